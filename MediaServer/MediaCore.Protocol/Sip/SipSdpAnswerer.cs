using System.Net;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Sip;

/// <summary>The audio codec a SIP call uses.</summary>
public enum SipAudioCodec { Pcmu, Pcma, Opus }

/// <summary>What an offer/answer exchange (RFC 3264) settled for a plain-RTP audio call.</summary>
/// <param name="RemoteRtp">Where to send RTP (c= and m= port of the offer); RTCP goes to port + 1 (RFC 3550 §11).</param>
/// <param name="OnHold">The terminal holds the call (a=sendonly/inactive, or c=0.0.0.0, RFC 3264 §8.4): send it nothing.</param>
/// <param name="TelephoneEventPayloadType">RFC 4733 telephone-event payload type, or null.</param>
/// <param name="Video">The H.264 video stream, when the terminal offered one we accept.</param>
/// <param name="Srtp">SDES-SRTP keys of the audio (RFC 4568): the terminal's (<see cref="SipSrtpKeys.Remote"/>, for what it sends)
/// and ours (<see cref="SipSrtpKeys.Local"/>, in the answer); null for plain RTP/AVP.</param>
public sealed record SipMediaSession(IPEndPoint RemoteRtp, SipAudioCodec Codec, PayloadType PayloadType, PayloadType? TelephoneEventPayloadType,
    bool OnHold, bool Receives, string Answer, SipVideoSession? Video = null, SipSrtpKeys? Srtp = null)
{
    public G711Law Law => Codec == SipAudioCodec.Pcma ? G711Law.ALaw : G711Law.MuLaw;
    public int ClockRate => Codec == SipAudioCodec.Opus ? 48000 : 8000;
}

/// <summary>The two SDES keys of an RTP/SAVP stream: the offerer's, which protects what it sends, and ours (RFC 4568 §6.1).</summary>
public sealed record SipSrtpKeys(SdesCrypto Remote, SdesCrypto Local)
{
    /// <summary>The SDES-SRTP contexts of one media line (RFC 4568 §6.1): the terminal's key unprotects what it sends, ours
    /// protects what we send. The caller owns (disposes) both.</summary>
    public (SrtpContext Inbound, SrtpContext Outbound) CreateContexts() =>
        (new SrtpContext(Remote.Profile, Remote.MasterKey, Remote.MasterSalt), new SrtpContext(Local.Profile, Local.MasterKey, Local.MasterSalt));
}

/// <summary>
/// The H.264 video of a SIP call (RFC 6184, packetization-mode 1): where to send it (the offer's video c=/m=), its payload
/// type, and which ways it flows: <paramref name="TerminalSends"/> (its camera becomes a publisher in the room) and
/// <paramref name="TerminalReceives"/> (it gets the room's program video).
/// </summary>
/// <param name="KeyFrameFeedback">The terminal accepted RTCP PLI (<c>nack pli</c>) or FIR (<c>ccm fir</c>) key frame requests.</param>
/// <param name="Srtp">SDES-SRTP keys of the video (RTP/SAVP with <c>a=crypto</c>, its own keys, RFC 4568); null for RTP/AVP.</param>
public sealed record SipVideoSession(IPEndPoint RemoteRtp, PayloadType PayloadType, bool TerminalSends, bool TerminalReceives, bool KeyFrameFeedback,
    SipSrtpKeys? Srtp = null);

/// <summary>
/// Answers a SIP terminal's SDP offer for a plain RTP/AVP call: picks PCMU, PCMA or Opus in the terminal's
/// order of preference (RFC 3264 §6.1), keeps telephone-event (RFC 4733) at the chosen clock rate, mirrors the
/// direction (hold: sendonly gets recvonly, inactive gets inactive); takes the first video m-line with H.264
/// (packetization-mode 1, Baseline/Constrained Baseline, what browsers decode) when a local video port is given;
/// rejects every other m-line with port 0. Audio may be RTP/SAVP with SDES keys (RFC 4568, AES_CM_128_HMAC_SHA1_80 or _32):
/// the answer then carries our own random key for the suite the terminal offered first; an RTP/SAVP audio m-line without a
/// usable crypto attribute is declined (RFC 4568 §7.1.2). Video likewise: RTP/AVP, or RTP/SAVP with its own SDES key both ways.
/// </summary>
public static class SipSdpAnswerer
{
    /// <summary>True when <paramref name="offer"/> has a video m-line (the caller then binds a video port pair before answering).</summary>
    public static bool OffersVideo(string offer) => offer.Contains("m=video ", StringComparison.Ordinal);

    public static bool TryAnswer(string offer, string localAddress, int localRtpPort, ulong sessionId, ulong version,
        out SipMediaSession session, out string error) =>
        TryAnswer(offer, localAddress, localRtpPort, 0, sessionId, version, out session, out error);

    /// <param name="localVideoRtpPort">Our video RTP port; 0 rejects video.</param>
    public static bool TryAnswer(string offer, string localAddress, int localRtpPort, int localVideoRtpPort, ulong sessionId, ulong version,
        out SipMediaSession session, out string error)
    {
        session = null!;
        if (!SdpParser.TryParse(offer, out var description, out error)) { error = "invalid SDP: " + error; return false; }
        MediaDescription? audio = null;
        int audioIndex = -1, videoIndex = -1;
        RtpCodec? h264 = null;
        SdesCrypto? offeredCrypto = null, videoCrypto = null;
        string? cryptoError = null;
        for (int i = 0; i < description.Media.Count; i++)
        {
            var m = description.Media[i];
            if (m.IsRejected) continue;
            if (m.Kind == MediaKind.Audio && audio == null && m.Protocol.Equals("RTP/SAVP", StringComparison.OrdinalIgnoreCase))
            {
                // RFC 4568 §7.1.2: take the first crypto attribute we support (they are listed in the offerer's preference).
                foreach (var a in m.Attributes)
                {
                    if (a.Name != "crypto") continue;
                    if (SdesCrypto.TryParse(a.Value, out var c, out var why)) { offeredCrypto = c; break; }
                    cryptoError ??= why;
                }
                if (offeredCrypto == null) continue;
                audio = m;
                audioIndex = i;
                continue;
            }
            bool savp = m.Protocol.Equals("RTP/SAVP", StringComparison.OrdinalIgnoreCase);
            if (!savp && !m.Protocol.Equals("RTP/AVP", StringComparison.OrdinalIgnoreCase)) continue;
            if (m.Kind == MediaKind.Audio && audio == null && !savp)
            {
                audio = m;
                audioIndex = i;
            }
            else if (m.Kind == MediaKind.Video && videoIndex < 0 && localVideoRtpPort > 0 && ChooseH264(m) is { } chosenVideo)
            {
                SdesCrypto? crypto = null;
                if (savp)
                {
                    foreach (var a in m.Attributes)
                        if (a.Name == "crypto" && SdesCrypto.TryParse(a.Value, out var c, out _)) { crypto = c; break; }
                    if (crypto == null) continue; // RFC 4568 §7.1.2: no key we can use, the m-line is declined
                }
                videoIndex = i;
                h264 = chosenVideo;
                videoCrypto = crypto;
            }
        }
        if (audio == null)
        {
            error = "no RTP/AVP audio m-line, nor RTP/SAVP with a usable a=crypto" + (cryptoError != null ? " (" + cryptoError + ")" : "");
            return false;
        }
        var srtp = offeredCrypto != null ? new SipSrtpKeys(offeredCrypto, SdesCrypto.Answer(offeredCrypto)) : null;
        var connection = audio.Connection ?? description.Connection;
        if (connection == null || !IPAddress.TryParse(connection.Address.Split('/')[0], out var remoteIp)) { error = "no usable c= address"; return false; }

        (SipAudioCodec Codec, RtpCodec Rtp)? chosen = null;
        RtpCodec? telephoneEvent = null;
        // The parser lists RTP codecs in m= order with static payload types (0 PCMU, 8 PCMA) resolved (RFC 3551 §6).
        foreach (var c in audio.Codecs)
        {
            SipAudioCodec? kind = c.Name.ToUpperInvariant() switch
            {
                "PCMU" when c.ClockRate == 8000 => SipAudioCodec.Pcmu,
                "PCMA" when c.ClockRate == 8000 => SipAudioCodec.Pcma,
                "OPUS" when c.ClockRate == 48000 => SipAudioCodec.Opus,
                _ => null,
            };
            if (kind != null)
            {
                chosen = (kind.Value, c);
                break;
            }
        }
        if (chosen == null) { error = "no common audio codec (PCMU, PCMA or Opus)"; return false; }
        int chosenRate = chosen.Value.Rtp.ClockRate;
        foreach (var c in audio.Codecs)
        {
            if (c.Name.Equals("telephone-event", StringComparison.OrdinalIgnoreCase) && c.ClockRate == chosenRate) { telephoneEvent = c; break; }
        }

        bool zeroAddress = remoteIp.Equals(IPAddress.Any);
        var direction = Direction(description, audio);
        bool onHold = zeroAddress || direction is MediaDirection.SendOnly or MediaDirection.Inactive;
        bool receives = direction is MediaDirection.SendRecv or MediaDirection.SendOnly;
        var codecs = new List<RtpCodec>
        {
            chosen.Value.Rtp with { Feedback = ValueList<RtcpFeedback>.Empty, Parameters = chosen.Value.Codec == SipAudioCodec.Opus ? chosen.Value.Rtp.Parameters : ValueList<SdpParameter>.Empty },
        };
        if (telephoneEvent != null) codecs.Add(telephoneEvent with { Feedback = ValueList<RtcpFeedback>.Empty });

        SipVideoSession? video = null;
        var answerMedia = new List<MediaDescription>();
        for (int i = 0; i < description.Media.Count; i++)
        {
            var m = description.Media[i];
            if (i == audioIndex)
            {
                answerMedia.Add(new MediaDescription
                {
                    Media = "audio",
                    Port = localRtpPort,
                    Protocol = srtp != null ? "RTP/SAVP" : "RTP/AVP",
                    Codecs = codecs.ToArray(),
                    Direction = Mirror(direction),
                    Attributes = srtp != null
                        ? (SdpAttribute[])[new SdpAttribute("ptime", "20"), new SdpAttribute("crypto", srtp.Local.ToString())]
                        : (SdpAttribute[])[new SdpAttribute("ptime", "20")],
                });
                continue;
            }
            if (i == videoIndex && h264 != null)
            {
                var videoConnection = m.Connection ?? description.Connection;
                if (videoConnection != null && IPAddress.TryParse(videoConnection.Address.Split('/')[0], out var videoIp))
                {
                    var videoDirection = Direction(description, m);
                    bool zero = videoIp.Equals(IPAddress.Any);
                    // RFC 4585 §4.2: we send key frame requests only in the forms the terminal listed (most list nack pli or ccm fir).
                    var feedback = h264.Feedback.Where(f => f == RtcpFeedback.NackPli || f == RtcpFeedback.CcmFir).ToArray();
                    var videoSrtp = videoCrypto != null ? new SipSrtpKeys(videoCrypto, SdesCrypto.Answer(videoCrypto)) : null;
                    video = new SipVideoSession(new IPEndPoint(videoIp, m.Port), h264.PayloadType,
                        TerminalSends: !zero && videoDirection is MediaDirection.SendRecv or MediaDirection.SendOnly,
                        TerminalReceives: !zero && videoDirection is MediaDirection.SendRecv or MediaDirection.RecvOnly,
                        KeyFrameFeedback: feedback.Length > 0, videoSrtp);
                    answerMedia.Add(new MediaDescription
                    {
                        Media = "video",
                        Port = localVideoRtpPort,
                        Protocol = videoSrtp != null ? "RTP/SAVP" : "RTP/AVP",
                        Attributes = videoSrtp != null ? (SdpAttribute[])[new SdpAttribute("crypto", videoSrtp.Local.ToString())] : (SdpAttribute[])[],
                        Codecs = (RtpCodec[])[h264 with
                        {
                            Parameters = SdpCodecs.AnswerParameters(SdpCodec.H264, h264, null),
                            Feedback = feedback,
                        }],
                        Direction = Mirror(videoDirection),
                    });
                    continue;
                }
            }
            // RFC 3264 §6: every offered m-line gets an answer; port 0 rejects it.
            answerMedia.Add(new MediaDescription
            {
                Media = m.Media, Port = 0, Protocol = m.Protocol, Direction = MediaDirection.Inactive,
                Formats = m.Formats.Count > 0 ? (string[])[m.Formats[0]] : (string[])["0"],
                Codecs = m.Codecs.Count > 0 ? (RtpCodec[])[m.Codecs[0]] : ValueList<RtpCodec>.Empty,
            });
        }
        var answer = new SessionDescription
        {
            Origin = new Origin("mediacore", sessionId, version, "IN", localAddress.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4", localAddress),
            SessionName = "MediaCore",
            Connection = ConnectionData.For(localAddress),
            Media = answerMedia.ToArray(),
        };
        session = new SipMediaSession(new IPEndPoint(remoteIp, audio.Port), chosen.Value.Codec, chosen.Value.Rtp.PayloadType,
            telephoneEvent?.PayloadType, onHold, receives, SdpWriter.Write(answer), video, srtp);
        error = "";
        return true;
    }

    /// <summary>The first H.264 format we forward (packetization-mode 1, Baseline family), Constrained Baseline first.</summary>
    private static RtpCodec? ChooseH264(MediaDescription m)
    {
        RtpCodec? best = null;
        foreach (var c in m.Codecs)
        {
            if (SdpCodecs.Classify(c) != SdpCodec.H264) continue;
            if (best == null || SdpCodecs.H264Rank(c) < SdpCodecs.H264Rank(best)) best = c;
        }
        return best;
    }

    private static MediaDirection Direction(SessionDescription description, MediaDescription m) =>
        description.Direction is { } sessionDirection && m.Direction == MediaDirection.SendRecv ? sessionDirection : m.Direction;

    private static MediaDirection Mirror(MediaDirection direction) => direction switch
    {
        MediaDirection.SendOnly => MediaDirection.RecvOnly,
        MediaDirection.RecvOnly => MediaDirection.SendOnly,
        MediaDirection.Inactive => MediaDirection.Inactive,
        _ => MediaDirection.SendRecv,
    };
}
