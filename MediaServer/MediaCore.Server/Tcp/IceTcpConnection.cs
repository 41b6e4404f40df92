using System.IO.Pipelines;
using System.Net.Sockets;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Framing;

namespace MediaCore.Server.Tcp;

/// <summary>
/// One ICE-TCP connection: the socket, the peer it stands for, and an outgoing pipe. <see cref="Send"/> (any thread)
/// frames a datagram into the pipe without waiting; <see cref="RunSendLoopAsync"/> drains the pipe into the socket.
/// </summary>
internal sealed class IceTcpConnection(Socket socket, PeerAddress peer) : IDisposable
{
    // No writer back-pressure: Send must never wait on the network; the byte count below bounds the backlog instead.
    private readonly Pipe _outgoing = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly Lock _writeLock = new();
    private readonly CancellationTokenSource _aborted = new();
    private long _queued;
    private bool _completed;

    public Socket Socket { get; } = socket;
    public PeerAddress Peer { get; } = peer;
    public CancellationToken Aborted => _aborted.Token;

    public bool Send(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > Rfc4571Framing.MaxPayload) return false;
        int size = datagram.Length + Rfc4571Framing.HeaderLength;
        lock (_writeLock)
        {
            if (_completed || Interlocked.Read(ref _queued) + size > IceTcpServer.MaxQueuedBytes) return false;
            var writer = _outgoing.Writer;
            Rfc4571Framing.Write(writer.GetSpan(size), datagram);
            writer.Advance(size);
            Interlocked.Add(ref _queued, size);
            // Completes synchronously (no pause threshold); consume the ValueTask either way (CA2012).
            var flush = writer.FlushAsync();
            if (flush.IsCompleted) flush.GetAwaiter().GetResult();
            else _ = flush.AsTask();
        }
        return true;
    }

    public async Task RunSendLoopAsync()
    {
        var reader = _outgoing.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_aborted.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    int sent = 0;
                    while (sent < segment.Length)
                        sent += await Socket.SendAsync(segment[sent..], SocketFlags.None, _aborted.Token).ConfigureAwait(false);
                }
                Interlocked.Add(ref _queued, -buffer.Length);
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted) return;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Abort();
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops both directions; safe to call more than once, from any thread.</summary>
    public void Abort()
    {
        lock (_writeLock)
        {
            if (!_completed)
            {
                _completed = true;
                _outgoing.Writer.Complete();
            }
        }
        try { _aborted.Cancel(); } catch (ObjectDisposedException) { }
        try { Socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    public void Dispose()
    {
        Socket.Dispose();
        _aborted.Dispose();
    }
}
