using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing;

/// <summary>
/// What every consumer needs to know about one producer packet, worked out once per packet rather than
/// once per consumer: the parsed header, extended sequence number, key frame flag, VP8 descriptor, and the
/// values of the header extensions consumers copy through.
/// </summary>
internal readonly ref struct SourcePacket
{
    public readonly RtpPacket Rtp;
    public readonly SeqNo Seq;
    public readonly bool KeyFrame;
    public readonly bool HasVp8;
    public readonly Vp8PayloadDescriptor Vp8;
    public readonly ReadOnlySpan<byte> AudioLevel;
    public readonly ReadOnlySpan<byte> VideoOrientation;
    public readonly ReadOnlySpan<byte> PlayoutDelay;

    public SourcePacket(Producer producer, in RtpPacket rtp, SeqNo seq)
    {
        Rtp = rtp;
        Seq = seq;
        var payload = rtp.Payload;
        if (producer.Codec == CodecKind.Vp8)
        {
            HasVp8 = Vp8PayloadDescriptor.TryParse(payload, out Vp8);
            KeyFrame = HasVp8 && Vp8.IsKeyFrame;
        }
        else
        {
            Vp8 = default;
            HasVp8 = false;
            KeyFrame = KeyFrameDetector.IsKeyFrame(producer.Codec, payload);
        }
        AudioLevel = VideoOrientation = PlayoutDelay = default;
        if (!rtp.HasExtension) return;
        var map = producer.Extensions;
        foreach (var e in rtp.GetExtensions())
        {
            switch (map.GetKind(e.Id))
            {
                case RtpExtensionKind.AudioLevel: AudioLevel = e.Data; break;
                case RtpExtensionKind.VideoOrientation: VideoOrientation = e.Data; break;
                case RtpExtensionKind.PlayoutDelay: PlayoutDelay = e.Data; break;
            }
        }
    }
}
