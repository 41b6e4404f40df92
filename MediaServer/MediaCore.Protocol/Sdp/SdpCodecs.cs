using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>Codecs MediaCore negotiates.</summary>
public enum SdpCodec
{
    /// <summary>Opus/48000/2 (RFC 7587).</summary>
    Opus,
    /// <summary>VP8/90000 (RFC 7741).</summary>
    VP8,
    /// <summary>H264/90000, packetization-mode=1, Baseline/Constrained Baseline (RFC 6184).</summary>
    H264,
    /// <summary>VP9/90000 profile 0 (RFC 9628).</summary>
    VP9,
    /// <summary>AV1/90000 profile 0 (AV1 RTP specification).</summary>
    AV1,
}

/// <summary>
/// The header extensions MediaCore negotiates, by URI. The URIs themselves live in one place,
/// <see cref="Rtp.RtpExtensionUris"/>; these constants alias them so SDP code reads naturally.
/// </summary>
public static class RtpExtensionUris
{
    public const string AudioLevel = Rtp.RtpExtensionUris.AudioLevel;
    public const string AbsSendTime = Rtp.RtpExtensionUris.AbsSendTime;
    public const string TransportWideCc = Rtp.RtpExtensionUris.TransportWideCc;
    public const string Mid = Rtp.RtpExtensionUris.Mid;
    public const string RtpStreamId = Rtp.RtpExtensionUris.RtpStreamId;
    public const string RepairedRtpStreamId = Rtp.RtpExtensionUris.RepairedRtpStreamId;

    /// <summary>All six, the default for <see cref="AnswerOptions.HeaderExtensions"/>.</summary>
    public static readonly ValueList<string> All = [AudioLevel, AbsSendTime, TransportWideCc, Mid, RtpStreamId, RepairedRtpStreamId];

    /// <summary>True when the extension makes sense for <paramref name="kind"/>.</summary>
    public static bool AppliesTo(string uri, MediaKind kind) => uri switch
    {
        AudioLevel => kind == MediaKind.Audio,
        RtpStreamId or RepairedRtpStreamId => kind == MediaKind.Video,
        _ => true,
    };
}

/// <summary>Codec matching rules (the "is this the same codec" tests of RFC 3264 §6.1 plus each payload format's fmtp rules).</summary>
internal static class SdpCodecs
{
    public static MediaKind KindOf(SdpCodec codec) => codec == SdpCodec.Opus ? MediaKind.Audio : MediaKind.Video;

    /// <summary>Which of our codecs <paramref name="c"/> is, or null when we do not support it as offered.</summary>
    public static SdpCodec? Classify(RtpCodec c)
    {
        if (c.IsNamed("opus"))
        {
            // RFC 7587 §7 requires opus/48000/2; a missing channel count is a common client slip we forgive.
            return c.ClockRate == 48000 && c.Channels is 2 or null ? SdpCodec.Opus : null;
        }
        if (c.ClockRate != 90000) return null;
        if (c.IsNamed("VP8")) return SdpCodec.VP8;
        if (c.IsNamed("H264")) return IsSupportedH264(c) ? SdpCodec.H264 : null;
        if (c.IsNamed("VP9"))
        {
            // RFC 9628 §6: profile-id absent means profile 0.
            var p = c.GetParameter("profile-id");
            return p is null or "0" ? SdpCodec.VP9 : null;
        }
        if (c.IsNamed("AV1"))
        {
            var p = c.GetParameter("profile");
            return p is null or "0" ? SdpCodec.AV1 : null;
        }
        return null;
    }

    /// <summary>
    /// RFC 6184 §8.1: packetization-mode absent means 0 (single NAL unit), which we do not forward;
    /// profile-level-id absent means 420010. We take profile_idc 0x42 (Baseline; with constraint_set1 it is
    /// Constrained Baseline), what every browser can decode, at any level.
    /// </summary>
    private static bool IsSupportedH264(RtpCodec c)
    {
        if (c.GetParameter("packetization-mode") != "1") return false;
        var plid = c.GetParameter("profile-level-id") ?? "420010";
        return plid.Length == 6 && plid.StartsWith("42", StringComparison.Ordinal) && IsHex(plid);
    }

    /// <summary>Among several offered H264 formats, prefer Constrained Baseline (42e0xx) over Baseline.</summary>
    public static int H264Rank(RtpCodec c)
    {
        var plid = c.GetParameter("profile-level-id") ?? "420010";
        return plid.Length == 6 && (HexByte(plid, 2) & 0x40) != 0 ? 0 : 1;
    }

    /// <summary>The rtx format whose apt= names <paramref name="pt"/> (RFC 4588 §8.6), or null.</summary>
    public static RtpCodec? FindRtx(MediaDescription m, PayloadType pt)
    {
        foreach (var c in m.Codecs)
        {
            if (c.IsNamed("rtx") && SdpParser.TryParsePayloadType(c.GetParameter("apt") ?? "", out var apt) && apt == pt) return c;
        }
        return null;
    }

    /// <summary>fmtp we answer with: our own settings for Opus and H264, the offer's otherwise.</summary>
    public static ValueList<SdpParameter> AnswerParameters(SdpCodec codec, RtpCodec offered, int? startBitrateKbps)
    {
        var list = new List<SdpParameter>();
        switch (codec)
        {
            case SdpCodec.Opus:
                // RFC 7587 §7: we receive and send 20 ms frames and want in-band FEC.
                list.Add(new("minptime", "10"));
                list.Add(new("useinbandfec", "1"));
                break;
            case SdpCodec.H264:
                list.Add(new("level-asymmetry-allowed", "1"));
                list.Add(new("packetization-mode", "1"));
                list.Add(new("profile-level-id", (offered.GetParameter("profile-level-id") ?? "420010").ToLowerInvariant()));
                break;
            default:
                foreach (var p in offered.Parameters)
                {
                    if (!p.Key.StartsWith("x-google-", StringComparison.OrdinalIgnoreCase)) list.Add(p);
                }
                break;
        }
        if (startBitrateKbps is int kbps && codec != SdpCodec.Opus)
        {
            // Chromium-specific: without it the encoder starts near 300 kbps and simulcast layers stay off.
            list.Add(new("x-google-start-bitrate", kbps.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return ValueList.Own(list);
    }

    private static bool IsHex(string s)
    {
        foreach (char ch in s)
        {
            if (!char.IsAsciiHexDigit(ch)) return false;
        }
        return true;
    }

    private static int HexByte(string s, int at) => IsHex(s) ? Convert.ToInt32(s.Substring(at, 2), 16) : 0;
}
