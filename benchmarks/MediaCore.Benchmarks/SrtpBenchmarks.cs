using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Benchmarks;

/// <summary>
/// SRTP protect/unprotect per packet for the two WebRTC profiles, at an audio-sized (160 B) and a
/// video-sized (1200 B) payload. Run: dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- --filter '*Srtp*' --job short
/// </summary>
[MemoryDiagnoser]
public class SrtpBenchmarks
{
    private SrtpContext _sender = null!;
    private SrtpContext _receiver = null!;
    private byte[] _rtp = null!;
    private byte[] _srtp = null!;
    private byte[] _buffer = null!;
    private ushort _seq;

    [Params(SrtpProfile.Aes128CmHmacSha1_80, SrtpProfile.AeadAes128Gcm)]
    public SrtpProfile Profile { get; set; }

    [Params(160, 1200)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var material = new byte[SrtpSession.KeyingMaterialLength(Profile)];
        new Random(1).NextBytes(material);
        var client = SrtpSession.FromKeyingMaterial(Profile, material, isDtlsClient: true);
        var server = SrtpSession.FromKeyingMaterial(Profile, material, isDtlsClient: false);
        _sender = client.Outbound;
        _receiver = server.Inbound;
        // Benchmarks unprotect the same packet repeatedly; the replay list would reject all but the first.
        _receiver.ReplayProtection = false;

        _rtp = new byte[12 + PayloadSize];
        _rtp[0] = 0x80;
        _rtp[1] = 96;
        _rtp[8] = 0x12;
        new Random(2).NextBytes(_rtp.AsSpan(12));
        _buffer = new byte[_rtp.Length + 64];
        _srtp = new byte[_rtp.Length + _sender.RtpOverhead];
        _sender.ProtectRtp(_rtp, _srtp);
    }

    [Benchmark]
    public int Protect()
    {
        _rtp[2] = (byte)(_seq >> 8);
        _rtp[3] = (byte)_seq++;
        return _sender.ProtectRtp(_rtp, _buffer);
    }

    [Benchmark]
    public int Unprotect()
    {
        _receiver.UnprotectRtp(_srtp, _buffer, out int length);
        return length;
    }
}

/// <summary>The building blocks of one 1200 B protect, to see where the time goes.</summary>
[MemoryDiagnoser]
public class SrtpPrimitiveBenchmarks
{
    private readonly byte[] _data = new byte[1200];
    private readonly byte[] _iv = new byte[16];
    private readonly byte[] _key = new byte[16];
    private readonly byte[] _mac = new byte[20];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private AesCounterMode _ctr = null!;
    private System.Security.Cryptography.IncrementalHash _hmac = null!;
    private System.Security.Cryptography.AesGcm _gcm = null!;
    private GaloisCounterMode _ownGcm = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(3).NextBytes(_data);
        _ctr = new AesCounterMode(_key);
        _hmac = System.Security.Cryptography.IncrementalHash.CreateHMAC(System.Security.Cryptography.HashAlgorithmName.SHA1, new byte[20]);
        _gcm = new System.Security.Cryptography.AesGcm(_key, 16);
        _ownGcm = GaloisCounterMode.Create(_key);
    }

    [Benchmark]
    public void AesCmKeystream() => _ctr.Transform(_iv, _data);

    [Benchmark]
    public int HmacSha1Incremental()
    {
        _hmac.AppendData(_data);
        _hmac.AppendData(_iv.AsSpan(0, 4));
        return _hmac.GetHashAndReset(_mac);
    }

    [Benchmark]
    public int HmacSha1OneShot() => System.Security.Cryptography.HMACSHA1.HashData(_key, _data, _mac);

    [Benchmark]
    public void AesGcmEncrypt() => _gcm.Encrypt(_nonce, _data, _data, _tag, _iv.AsSpan(0, 12));

    [Benchmark]
    public void IntrinsicGcmEncrypt() => _ownGcm.Encrypt(_nonce, _data, _data, _tag, _iv.AsSpan(0, 12));
}
