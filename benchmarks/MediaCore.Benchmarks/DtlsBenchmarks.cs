using System.Buffers;
using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Dtls;

namespace MediaCore.Benchmarks;

/// <summary>
/// DTLS-SRTP set-up costs: certificate generation (once per process) and a full client+server
/// handshake through in-memory queues (both sides' CPU plus thread hand-offs; no loss, so no
/// retransmission waits).
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class DtlsBenchmarks
{
    private DtlsCertificate _serverCert = null!;
    private DtlsCertificate _clientCert = null!;

    [GlobalSetup]
    public void Setup()
    {
        _serverCert = DtlsCertificate.Generate();
        _clientCert = DtlsCertificate.Generate();
    }

    [Benchmark]
    public DtlsCertificate GenerateCertificate() => DtlsCertificate.Generate();

    [Benchmark]
    public int HandshakePair()
    {
        using var wake = new SemaphoreSlim(0);
        using var client = new DtlsEndpoint(DtlsRole.Client, _clientCert, _serverCert.Fingerprint.ToString());
        using var server = new DtlsEndpoint(DtlsRole.Server, _serverCert, _clientCert.Fingerprint.ToString());
        client.OnOutput = () => wake.Release();
        server.OnOutput = () => wake.Release();
        server.Start();
        client.Start();
        int connected = 0;
        while (connected < 2)
        {
            Move(client, server);
            Move(server, client);
            connected += Events(client) + Events(server);
            if (connected < 2 && !wake.Wait(TimeSpan.FromSeconds(10)))
                throw new TimeoutException("handshake stalled");
        }
        return connected;
    }

    private static void Move(DtlsEndpoint from, DtlsEndpoint to)
    {
        while (from.TryPollDatagram(out byte[] buffer, out int length))
        {
            to.HandleReceive(0, buffer.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Events(DtlsEndpoint endpoint)
    {
        int n = 0;
        while (endpoint.TryPollEvent(out var e))
            n += e is DtlsConnected ? 1 : throw new InvalidOperationException(e.ToString());
        return n;
    }
}
