using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Benchmarks;

/// <summary>
/// What AES-GCM costs per forwarded 1200 B packet, and how much of it is our code around the cipher: the send worker's
/// protect (<see cref="IPacketProtector.Protect"/> of an <see cref="SrtpContext"/>, in place, 12 B header + 1200 B payload:
/// stream lookup, index, nonce, tag) next to the bare AES-GCM call on the same sizes, for both implementations the
/// context can use: our AES-NI + PCLMULQDQ GCM (<c>IntrinsicGcm</c>, the default) and .NET's <see cref="AesGcm"/>
/// (OpenSSL 3 here, which picks its own code for the CPU: VAES/VPCLMULQDQ where present).
/// <c>dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- --filter '*SrtpGcmCost*'</c>
/// </summary>
[MemoryDiagnoser]
public class SrtpGcmCostBenchmarks
{
    private const int Header = 12;
    private const int Payload = 1200;
    private readonly byte[] _packet = new byte[2048];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private IPacketProtector _ours = null!;
    private IPacketProtector _oursOnOpenSsl = null!;
    private GaloisCounterMode _intrinsicGcm = null!;
    private AesGcm _openSsl = null!;

    [GlobalSetup]
    public void Setup()
    {
        var key = new byte[16];
        var salt = new byte[12];
        new Random(7).NextBytes(key);
        new Random(8).NextBytes(salt);
        var keys = SrtpKeyDerivation.DeriveSessionKeys(SrtpProfile.AeadAes128Gcm, key, salt);
        _ours = new SrtpContext(keys, allowIntrinsics: true);
        _oursOnOpenSsl = new SrtpContext(keys, allowIntrinsics: false);
        if (!((SrtpContext)_ours).IsHardwareAccelerated) throw new InvalidOperationException("no AES-NI/PCLMULQDQ: the default path is not measured");
        _intrinsicGcm = GaloisCounterMode.Create(keys.RtpKey);
        _openSsl = new AesGcm(keys.RtpKey, 16);
        new Random(9).NextBytes(_packet);
        _packet[0] = 0x80;
        _packet[1] = 96;
    }

    /// <summary>The send worker's call: the whole SRTP protect of one forwarded packet (the default cipher).</summary>
    [Benchmark(Baseline = true)]
    public int SrtpProtect() => _ours.Protect(_packet, Header + Payload, rtcp: false);

    /// <summary>The same context on .NET's AesGcm (OpenSSL).</summary>
    [Benchmark]
    public int SrtpProtectOnOpenSsl() => _oursOnOpenSsl.Protect(_packet, Header + Payload, rtcp: false);

    /// <summary>The bare cipher call the default protect makes: our AES-NI + PCLMULQDQ GCM.</summary>
    [Benchmark]
    public void IntrinsicGcmEncrypt() =>
        _intrinsicGcm.Encrypt(_nonce, _packet.AsSpan(Header, Payload), _packet.AsSpan(Header, Payload), _tag, _packet.AsSpan(0, Header));

    /// <summary>The bare cipher call on OpenSSL.</summary>
    [Benchmark]
    public void OpenSslAesGcmEncrypt() =>
        _openSsl.Encrypt(_nonce, _packet.AsSpan(Header, Payload), _packet.AsSpan(Header, Payload), _tag, _packet.AsSpan(0, Header));

    [GlobalCleanup]
    public void Cleanup()
    {
        ((IDisposable)_ours).Dispose();
        ((IDisposable)_oursOnOpenSsl).Dispose();
        _intrinsicGcm.Dispose();
        _openSsl.Dispose();
    }
}
