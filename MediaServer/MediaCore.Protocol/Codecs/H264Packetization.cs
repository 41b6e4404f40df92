using System.Buffers.Binary;

namespace MediaCore.Protocol.Codecs;

/// <summary>
/// H.264 RTP payload inspection (RFC 6184 §5.2): single NAL unit packets (types 1-23), STAP-A (24, §5.7.1)
/// and FU-A (28, §5.8). Only what an SFU needs: "does this packet start a key frame".
/// <code>
/// NAL unit header:  +-+-+-+-+-+-+-+-+      FU header:  +-+-+-+-+-+-+-+-+
///                   |F|NRI|  Type   |                  |S|E|R|  Type   |
///                   +-+-+-+-+-+-+-+-+                  +-+-+-+-+-+-+-+-+
/// STAP-A: |NAL hdr (24)| size (16) | NAL unit | size (16) | NAL unit | ...
/// </code>
/// </summary>
public static class H264Packetization
{
    public const int NalIdr = 5;
    public const int NalSps = 7;
    public const int NalPps = 8;
    public const int NalStapA = 24;
    public const int NalFuA = 28;

    /// <summary>
    /// True when the packet carries an IDR slice or an SPS (a decoder can start here): a single NAL of
    /// type 5 or 7, a STAP-A containing one, or an FU-A start fragment (S=1) of one.
    /// </summary>
    public static bool IsKeyFrame(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 1) return false;
        int type = payload[0] & 0x1F;
        switch (type)
        {
            case NalIdr:
            case NalSps:
                return true;
            case NalStapA:
            {
                int pos = 1;
                while (pos + 2 < payload.Length)
                {
                    int size = BinaryPrimitives.ReadUInt16BigEndian(payload[pos..]);
                    pos += 2;
                    if (size == 0 || pos + size > payload.Length) return false;
                    int inner = payload[pos] & 0x1F;
                    if (inner is NalIdr or NalSps) return true;
                    pos += size;
                }
                return false;
            }
            case NalFuA:
            {
                if (payload.Length < 2) return false;
                byte fu = payload[1];
                int inner = fu & 0x1F;
                return (fu & 0x80) != 0 && inner is NalIdr or NalSps;
            }
            default:
                return false;
        }
    }

    /// <summary>
    /// Finds an SPS NAL unit in the packet (single NAL or inside a STAP-A) and reads the coded picture size
    /// from it (ITU-T H.264 §7.3.2.1.1). False when none is found or it does not parse.
    /// </summary>
    public static bool TryGetResolution(ReadOnlySpan<byte> payload, out int width, out int height)
    {
        width = height = 0;
        if (payload.Length < 1) return false;
        int type = payload[0] & 0x1F;
        if (type == NalSps) return H264Sps.TryGetResolution(payload, out width, out height);
        if (type != NalStapA) return false;
        int pos = 1;
        while (pos + 2 < payload.Length)
        {
            int size = BinaryPrimitives.ReadUInt16BigEndian(payload[pos..]);
            pos += 2;
            if (size == 0 || pos + size > payload.Length) return false;
            if ((payload[pos] & 0x1F) == NalSps) return H264Sps.TryGetResolution(payload.Slice(pos, size), out width, out height);
            pos += size;
        }
        return false;
    }
}
