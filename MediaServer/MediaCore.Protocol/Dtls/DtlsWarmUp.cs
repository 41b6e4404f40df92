using System.Buffers;

namespace MediaCore.Protocol.Dtls;

/// <summary>
/// Runs one DTLS handshake between two in-process endpoints. The first handshake in a process pays
/// for JIT-compiling BouncyCastle (measured 0.6-1.7 s on the shared 2-core box, against about 10 ms
/// afterwards), which is long enough to trip the 1 s retransmission timer of a real peer. Hosts call
/// <see cref="Run"/> once at start-up, off the hot path.
/// </summary>
public static class DtlsWarmUp
{
    /// <summary>Handshakes <paramref name="certificate"/> with itself in memory; blocks until done.</summary>
    /// <returns>True when both sides connected within <paramref name="timeout"/>.</returns>
    public static bool Run(DtlsCertificate certificate, TimeSpan? timeout = null)
    {
        var (client, server) = Loopback(certificate, certificate, timeout ?? TimeSpan.FromSeconds(30));
        return client is DtlsConnected && server is DtlsConnected;
    }

    /// <summary>
    /// Connects a client and a server through in-memory queues and returns each side's first event,
    /// or null for a side that produced none before <paramref name="timeout"/>.
    /// </summary>
    internal static (DtlsEvent? Client, DtlsEvent? Server) Loopback(DtlsCertificate serverCertificate,
        DtlsCertificate clientCertificate, TimeSpan timeout)
    {
        // Not disposed: a background thread may still signal it while the endpoints wind down.
        var wake = new SemaphoreSlim(0);
        using var client = new DtlsEndpoint(DtlsRole.Client, clientCertificate, serverCertificate.Fingerprint.ToString());
        using var server = new DtlsEndpoint(DtlsRole.Server, serverCertificate, clientCertificate.Fingerprint.ToString());
        client.OnOutput = () => wake.Release();
        server.OnOutput = () => wake.Release();
        DtlsEvent? clientEvent = null, serverEvent = null;
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;

        server.Start();
        client.Start();
        while (clientEvent is null || serverEvent is null)
        {
            Move(client, server);
            Move(server, client);
            if (clientEvent is null && client.TryPollEvent(out var c)) clientEvent = c;
            if (serverEvent is null && server.TryPollEvent(out var s)) serverEvent = s;
            if (clientEvent is not null && serverEvent is not null)
                break;
            long remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
                break;
            wake.Wait(TimeSpan.FromMilliseconds(Math.Min(remaining, 100)));
        }
        return (clientEvent, serverEvent);
    }

    private static void Move(DtlsEndpoint from, DtlsEndpoint to)
    {
        while (from.TryPollDatagram(out byte[] buffer, out int length))
        {
            to.HandleReceive(0, buffer.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
