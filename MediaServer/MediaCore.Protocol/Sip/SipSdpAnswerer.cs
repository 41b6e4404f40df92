using System.Net;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Sip;

/// <summary>The audio codec a SIP call uses.</summary>
public enum SipAudioCodec { Pcmu, Pcma, Opus }

/// <summary>What an offer/answer exchange (RFC 3264) settled for a plain-RTP audio call.</summary>
/// <param name="RemoteRtp">Where to send RTP (c= and m= port of the offer); RTCP goes to port + 1 (RFC 3550 §11).</param>
/// <param name="OnHold">The terminal holds the call (a=sendonly/inactive, or c=0.0.0.0, RFC 3264 §8.4): send it nothing.</param>
/// <param name="TelephoneEventPayloadType">RFC 4733 telephone-event payload type, or null.</param>
public sealed record SipMediaSession(IPEndPoint RemoteRtp, SipAudioCodec Codec, PayloadType PayloadType, PayloadType? TelephoneEventPayloadType,
    bool OnHold, bool Receives, string Answer)
{
    public G711Law Law => Codec == SipAudioCodec.Pcma ? G711Law.ALaw : G711Law.MuLaw;
    public int ClockRate => Codec == SipAudioCodec.Opus ? 48000 : 8000;
}

/// <summary>
/// Answers a SIP terminal's SDP offer for a plain RTP/AVP audio call: picks PCMU, PCMA or Opus in the terminal's
/// order of preference (RFC 3264 §6.1), keeps telephone-event (RFC 4733) at the chosen clock rate, mirrors the
/// direction (hold: sendonly gets recvonly, inactive gets inactive) and rejects every other m-line with port 0.
/// SRTP (RTP/SAVP) and video are refused for now (488 at the caller).
/// </summary>
public static class SipSdpAnswerer
{
    public static bool TryAnswer(string offer, string localAddress, int localRtpPort, ulong sessionId, ulong version,
        out SipMediaSession session, out string error)
    {
        session = null!;
        if (!SdpParser.TryParse(offer, out var description, out error)) { error = "invalid SDP: " + error; return false; }
        MediaDescription? audio = null;
        int audioIndex = -1;
        for (int i = 0; i < description.Media.Count; i++)
        {
            var m = description.Media[i];
            if (m.Kind == MediaKind.Audio && !m.IsRejected && m.Protocol.Equals("RTP/AVP", StringComparison.OrdinalIgnoreCase) && audio == null)
            {
                audio = m;
                audioIndex = i;
            }
        }
        if (audio == null) { error = "no RTP/AVP audio m-line (SRTP and video are not supported)"; return false; }
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
        var direction = audio.Direction;
        if (description.Direction is { } sessionDirection && audio.Direction == MediaDirection.SendRecv) direction = sessionDirection;
        bool onHold = zeroAddress || direction is MediaDirection.SendOnly or MediaDirection.Inactive;
        bool receives = direction is MediaDirection.SendRecv or MediaDirection.SendOnly;
        var answerDirection = direction switch
        {
            MediaDirection.SendOnly => MediaDirection.RecvOnly,
            MediaDirection.RecvOnly => MediaDirection.SendOnly,
            MediaDirection.Inactive => MediaDirection.Inactive,
            _ => MediaDirection.SendRecv,
        };
        var codecs = new List<RtpCodec>
        {
            chosen.Value.Rtp with { Feedback = ValueList<RtcpFeedback>.Empty, Parameters = chosen.Value.Codec == SipAudioCodec.Opus ? chosen.Value.Rtp.Parameters : ValueList<SdpParameter>.Empty },
        };
        if (telephoneEvent != null) codecs.Add(telephoneEvent with { Feedback = ValueList<RtcpFeedback>.Empty });

        var answerMedia = new List<MediaDescription>();
        for (int i = 0; i < description.Media.Count; i++)
        {
            var m = description.Media[i];
            if (i != audioIndex)
            {
                // RFC 3264 §6: every offered m-line gets an answer; port 0 rejects it.
                answerMedia.Add(new MediaDescription
                {
                    Media = m.Media, Port = 0, Protocol = m.Protocol, Direction = MediaDirection.Inactive,
                    Formats = m.Formats.Count > 0 ? (string[])[m.Formats[0]] : (string[])["0"],
                    Codecs = m.Codecs.Count > 0 ? (RtpCodec[])[m.Codecs[0]] : ValueList<RtpCodec>.Empty,
                });
                continue;
            }
            answerMedia.Add(new MediaDescription
            {
                Media = "audio",
                Port = localRtpPort,
                Protocol = "RTP/AVP",
                Codecs = codecs.ToArray(),
                Direction = answerDirection,
                Attributes = (SdpAttribute[])[new SdpAttribute("ptime", "20")],
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
            telephoneEvent?.PayloadType, onHold, receives, SdpWriter.Write(answer));
        error = "";
        return true;
    }
}
