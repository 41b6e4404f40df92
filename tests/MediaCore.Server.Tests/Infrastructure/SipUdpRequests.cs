using System.Net;
using System.Net.Sockets;
using System.Text;
using MediaCore.Protocol.Sip;

namespace MediaCore.Server.Tests.Infrastructure;

/// <summary>The request/response step of the tests' hand-written SIP-over-UDP clients (also linked into the browser tests).</summary>
internal static class SipUdpRequests
{
    /// <summary>
    /// Sends a request and returns ITS final response: provisional responses and final responses to an earlier request (a
    /// retransmitted 401) are skipped by CSeq. A non-2xx final response to an INVITE is ACKed, as a client transaction must
    /// (RFC 3261 17.1.1.3), so the server stops retransmitting it.
    /// </summary>
    public static async Task<SipMessage> RequestAsync(UdpClient client, IPEndPoint to, string request)
    {
        var bytes = Encoding.UTF8.GetBytes(request);
        Assert.True(SipParser.TryParse(bytes, false, out var sent, out var parseError), parseError);
        Assert.True(sent.TryGetCSeq(out uint cseq, out _));
        await client.SendAsync(bytes, to);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            var data = (await client.ReceiveAsync(wait.Token)).Buffer;
            Assert.True(SipParser.TryParse(data, false, out var m, out var error), error);
            if (m.StatusCode < 200 || !m.TryGetCSeq(out uint answered, out _) || answered != cseq) continue;
            if (m.StatusCode >= 300 && sent.Method == "INVITE")
            {
                await client.SendAsync(Encoding.UTF8.GetBytes(
                    $"ACK {sent.RequestUri} SIP/2.0\r\nVia: {sent.Get(SipHeaderNames.Via)}\r\nFrom: {sent.Get(SipHeaderNames.From)}\r\n"
                    + $"To: {m.Get(SipHeaderNames.To)}\r\nCall-ID: {sent.CallId}\r\nCSeq: {cseq} ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"), to);
            }
            return m;
        }
    }
}
