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
    public bool HandshakePair()
    {
        var (client, server) = DtlsWarmUp.Loopback(_serverCert, _clientCert, TimeSpan.FromSeconds(10));
        return client is DtlsConnected && server is DtlsConnected
            ? true
            : throw new InvalidOperationException($"handshake failed: {client} / {server}");
    }

    /// <summary>32 handshake pairs at once: what a burst of sites joining together costs (threads, CPU).</summary>
    [Benchmark(OperationsPerInvoke = 32)]
    public void HandshakePairs32Concurrent()
    {
        var tasks = new Task[32];
        for (int i = 0; i < tasks.Length; i++)
            tasks[i] = Task.Factory.StartNew(() => HandshakePair(), TaskCreationOptions.LongRunning);
        Task.WaitAll(tasks);
    }
}
