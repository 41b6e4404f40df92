using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Demux;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Stun;

namespace MediaCore.Benchmarks;

/// <summary>
/// The STUN hot path of the shared WebRTC port: classify, parse and authenticate a browser's Binding
/// request, and the whole ICE-lite answer. Allocated must be 0 B.
/// Run: dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- --filter '*StunBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class StunBenchmarks
{
    private static readonly IceCredentials Local = new("srvUfrag", "serverPassword0123456789");
    private static readonly IceCredentials Remote = new("brws", "browserPassword012345678");
    private static readonly PeerAddress From = PeerAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 50000));

    private byte[] _request = [];
    private StunIntegrityKey _key = null!;
    private IceLiteAgent _agent = null!;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        var buf = new byte[StunMessageWriter.RecommendedBufferSize];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Request, StunTransactionId.NewRandom());
        w.AddUsername($"{Local.Ufrag}:{Remote.Ufrag}");
        w.AddAttribute(0xC057, [0, 1, 0, 10]); // GOOG-NETWORK-INFO, as Chromium sends
        w.AddPriority(1853824767);
        w.AddIceControlling(0x0102030405060708UL);
        w.AddUseCandidate();
        _key = StunIntegrityKey.ForShortTerm(Local.Password);
        w.AddMessageIntegrity(_key);
        w.AddFingerprint();
        _request = buf.AsSpan(0, w.Length).ToArray();
        _agent = new IceLiteAgent(0, Local);
        _agent.SetRemoteCredentials(Remote.Ufrag, Remote.Password);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _agent.Dispose();
        _key.Dispose();
    }

    [Benchmark]
    public PacketKind Classify() => PacketDemux.Classify(_request);

    [Benchmark]
    public bool ParseAndVerifyBindingRequest()
    {
        return StunMessage.TryParse(_request, out var m)
               && m.IsBindingRequest
               && m.TryGetUsername(out _)
               && m.TryGetPriority(out _)
               && m.VerifyFingerprint()
               && m.VerifyMessageIntegrity(_key);
    }

    [Benchmark]
    public int LiteAgentAnswerBindingRequest()
    {
        _now += MediaTime.FromMilliseconds(1);
        _agent.HandleReceive(_now, _request, From);
        int n = 0;
        while (_agent.TryPollTransmit(out var t)) { n += t.Length; t.Return(); }
        while (_agent.TryPollEvent(out _)) { }
        return n;
    }
}
