using System.Buffers.Binary;
using System.Net;
using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Stun;

namespace MediaCore.Protocol.Tests.Stun;

public class StunMessageTests
{
    private static readonly StunTransactionId Tid = StunTransactionId.FromBytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    [Theory]
    [InlineData(StunMethod.Binding, StunClass.Request, 0x0001)]
    [InlineData(StunMethod.Binding, StunClass.Indication, 0x0011)]
    [InlineData(StunMethod.Binding, StunClass.SuccessResponse, 0x0101)]
    [InlineData(StunMethod.Binding, StunClass.ErrorResponse, 0x0111)]
    [InlineData((StunMethod)0x0FFF, StunClass.ErrorResponse, 0x3FFF)]
    public void EncodeType_MethodAndClass_InterleavesBitsPerRfc8489Section5(StunMethod method, StunClass cls, int expected)
    {
        ushort type = StunMessage.EncodeType(method, cls);
        Assert.Equal(expected, type);
        Assert.Equal(method, StunMessage.DecodeMethod(type));
        Assert.Equal(cls, StunMessage.DecodeClass(type));
    }

    [Fact]
    public void Writer_AllIceAttributes_RoundTrip()
    {
        var buf = new byte[StunMessageWriter.RecommendedBufferSize];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Request, Tid);
        w.AddUsername("abcd:efgh");
        w.AddSoftware("MediaCore");
        w.AddPriority(0x6e0001ff);
        w.AddIceControlling(0x1122334455667788UL);
        w.AddUseCandidate();
        using var key = StunIntegrityKey.ForShortTerm("0123456789012345678901");
        w.AddMessageIntegrity(key);
        w.AddFingerprint();
        int length = w.Length;

        Assert.True(StunMessage.TryParse(buf.AsSpan(0, length), out var m, out var error), error.ToString());
        Assert.True(m.IsBindingRequest);
        Assert.Equal(Tid, m.TransactionId);
        Assert.True(m.TryGetUsername(out var u));
        Assert.Equal("abcd:efgh", Encoding.UTF8.GetString(u));
        Assert.True(m.TryGetSoftware(out var s));
        Assert.Equal("MediaCore", Encoding.UTF8.GetString(s));
        Assert.True(m.TryGetPriority(out uint p));
        Assert.Equal(0x6e0001ffu, p);
        Assert.True(m.TryGetIceControlling(out ulong tb));
        Assert.Equal(0x1122334455667788UL, tb);
        Assert.True(m.HasUseCandidate);
        Assert.True(m.VerifyMessageIntegrity(key));
        Assert.True(m.VerifyFingerprint());
    }

    [Fact]
    public void Writer_ErrorCodeAndUnknownAttributes_RoundTrip()
    {
        Span<byte> buf = stackalloc byte[256];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.ErrorResponse, Tid);
        w.AddErrorCode(420, "Unknown Attribute");
        w.AddUnknownAttributes([0x7777]);
        w.AddFingerprint();
        Assert.True(StunMessage.TryParse(w.Written, out var m));
        Assert.Equal(StunClass.ErrorResponse, m.Class);
        Assert.True(m.TryGetErrorCode(out int code, out var reason));
        Assert.Equal(420, code);
        Assert.Equal("Unknown Attribute", Encoding.UTF8.GetString(reason));
        Assert.True(m.TryGetAttribute(StunAttributeType.UnknownAttributes, out var unknown));
        Assert.Equal(0x7777, BinaryPrimitives.ReadUInt16BigEndian(unknown));
        Assert.True(m.VerifyFingerprint());
    }

    [Fact]
    public void TryGetAttribute_AfterMessageIntegrity_IsIgnored()
    {
        // RFC 8489 §14.5: attributes following MESSAGE-INTEGRITY (other than FINGERPRINT) are ignored,
        // else an attacker could append unauthenticated ones.
        Span<byte> buf = stackalloc byte[256];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Request, Tid);
        w.AddUsername("a:b");
        using var key = StunIntegrityKey.ForShortTerm("pw");
        w.AddMessageIntegrity(key);
        w.AddUseCandidate();
        Assert.True(StunMessage.TryParse(w.Written, out var m));
        Assert.False(m.HasUseCandidate);
        Assert.True(m.VerifyMessageIntegrity(key));
        int count = 0;
        foreach (var a in m.Attributes) count++;
        Assert.Equal(3, count);
    }

    [Fact]
    public void VerifyMessageIntegrity_AttributeAfterIntegrity_StillVerifiesOverAdjustedLength()
    {
        Span<byte> buf = stackalloc byte[256];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Request, Tid);
        w.AddUsername("a:b");
        using var key = StunIntegrityKey.ForShortTerm("pw");
        w.AddMessageIntegrity(key);
        w.AddSoftware("appended later");
        w.AddFingerprint();
        Assert.True(StunMessage.TryParse(w.Written, out var m));
        Assert.True(m.VerifyMessageIntegrity(key));
        Assert.True(m.VerifyFingerprint());
    }

    [Theory]
    [InlineData(19, StunParseError.TooShort)]
    public void TryParse_Truncated_ReturnsError(int length, StunParseError expected)
    {
        Assert.False(StunMessage.TryParse(Rfc5769Tests.SampleRequest.AsSpan(0, length), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_Malformed_ReportsReason()
    {
        byte[] Mutate(Action<byte[]> change)
        {
            var b = (byte[])Rfc5769Tests.SampleRequest.Clone();
            change(b);
            return b;
        }

        Assert.Equal(StunParseError.NotStun, ParseError(Mutate(b => b[0] = 0x80)));
        Assert.Equal(StunParseError.BadMagicCookie, ParseError(Mutate(b => b[4] = 0)));
        Assert.Equal(StunParseError.BadLength, ParseError(Mutate(b => b[3] = 0x59)));
        Assert.Equal(StunParseError.BadLength, ParseError(Rfc5769Tests.SampleRequest.AsSpan(0, 100).ToArray()));
        Assert.Equal(StunParseError.TruncatedAttribute, ParseError(Mutate(b => b[22] = 0x7f))); // SOFTWARE length past the end
        Assert.Equal(StunParseError.BadAttributeLength, ParseError(Mutate(b => b[79] = 0x10))); // MESSAGE-INTEGRITY length 20 -> 16
    }

    [Fact]
    public void TryParse_FingerprintNotLast_Refused()
    {
        Span<byte> buf = stackalloc byte[256];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Request, Tid);
        w.AddFingerprint();
        w.AddUseCandidate();
        Assert.False(StunMessage.TryParse(w.Written, out _, out var error));
        Assert.Equal(StunParseError.FingerprintNotLast, error);
    }

    [Fact]
    public void Writer_DestinationTooSmall_Throws()
    {
        var buf = new byte[24];
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Request, Tid);
            w.AddPriority(1);
            w.AddPriority(2);
        });
    }

    [Fact]
    public void XorMappedAddress_IPv6RoundTrip_UsesTransactionIdInPad()
    {
        var address = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("fe80::1:2:3:4"), 5000));
        Span<byte> buf = stackalloc byte[64];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.SuccessResponse, StunTransactionId.NewRandom());
        w.AddXorMappedAddress(address);
        Assert.True(StunMessage.TryParse(w.Written, out var m));
        Assert.True(m.TryGetXorMappedAddress(out var read));
        Assert.Equal(address, read);
    }

    [Fact]
    public void LooksLikeStun_RtpPacket_False()
    {
        byte[] rtp = [0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.False(StunMessage.LooksLikeStun(rtp));
        Assert.True(StunMessage.LooksLikeStun(Rfc5769Tests.SampleRequest));
    }

    private static StunParseError ParseError(byte[] data)
    {
        StunMessage.TryParse(data, out _, out var error);
        return error;
    }
}
