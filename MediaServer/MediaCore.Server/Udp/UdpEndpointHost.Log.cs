using System.Net;
using System.Net.Sockets;

namespace MediaCore.Server.Udp;

public sealed partial class UdpEndpointHost
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Media UDP listening on {EndPoint}")]
    private partial void LogListening(IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The kernel refused SO_TIMESTAMPNS: transport-cc arrival times come from the receive thread's clock")]
    private partial void LogNoKernelTimestamps();

    [LoggerMessage(Level = LogLevel.Debug, Message = "UDP receive error {Error}")]
    private partial void LogReceiveError(SocketError error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Datagram handler failed for a datagram from {Peer} ({Failures} failures so far; logged at most once a second)")]
    private partial void LogHandlerFailed(Exception exception, string peer, long failures);
}
