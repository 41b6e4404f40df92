namespace MediaCore.Protocol.Codecs;

/// <summary>
/// VP8 RTP payload descriptor (RFC 7741 §4.2) and the start of the VP8 payload header (§4.3).
/// <code>
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL, M=1: 15-bit picture id over two bytes)
///      +-+-+-+-+-+-+-+-+
///      |   PictureID   |
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL, present when T or K)
///      +-+-+-+-+-+-+-+-+
/// then the VP8 payload; on the first packet of a frame its first byte is |Size0|H| VER |P|, P=0 key frame.
/// </code>
/// </summary>
public readonly struct Vp8PayloadDescriptor
{
    /// <summary>Descriptor size in bytes: the VP8 payload starts here.</summary>
    public int Size { get; init; }
    public bool NonReference { get; init; }
    public bool StartOfPartition { get; init; }
    public int PartitionId { get; init; }
    public bool HasPictureId { get; init; }
    /// <summary>True for the 15-bit (M=1) form.</summary>
    public bool HasLongPictureId { get; init; }
    public int PictureId { get; init; }
    public bool HasTl0PicIdx { get; init; }
    public byte Tl0PicIdx { get; init; }
    public bool HasTid { get; init; }
    public int TemporalLayer { get; init; }
    public bool LayerSync { get; init; }
    public bool HasKeyIdx { get; init; }
    public int KeyIdx { get; init; }
    /// <summary>First packet of a frame (S=1 and PID=0).</summary>
    public bool IsStartOfFrame => StartOfPartition && PartitionId == 0;
    /// <summary>First packet of a key frame (§4.3: P bit clear on the first partition's payload header).</summary>
    public bool IsKeyFrame { get; init; }
    internal int PictureIdOffset { get; init; }
    internal int Tl0Offset { get; init; }

    /// <summary>Parses the descriptor at the start of an RTP payload; never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out Vp8PayloadDescriptor descriptor)
    {
        descriptor = default;
        if (payload.Length < 1) return false;
        byte b0 = payload[0];
        int pos = 1;
        bool hasPid = false, longPid = false, hasTl0 = false, hasTid = false, hasKeyIdx = false;
        int pid = 0, pidOffset = 0, tl0Offset = 0, tid = 0, keyIdx = 0;
        bool y = false;
        byte tl0 = 0;
        if ((b0 & 0x80) != 0)
        {
            if (pos >= payload.Length) return false;
            byte x = payload[pos++];
            if ((x & 0x80) != 0)
            {
                if (pos >= payload.Length) return false;
                hasPid = true;
                pidOffset = pos;
                if ((payload[pos] & 0x80) != 0)
                {
                    if (pos + 1 >= payload.Length) return false;
                    longPid = true;
                    pid = ((payload[pos] & 0x7F) << 8) | payload[pos + 1];
                    pos += 2;
                }
                else
                {
                    pid = payload[pos] & 0x7F;
                    pos += 1;
                }
            }
            if ((x & 0x40) != 0)
            {
                if (pos >= payload.Length) return false;
                hasTl0 = true;
                tl0Offset = pos;
                tl0 = payload[pos++];
            }
            if ((x & 0x30) != 0)
            {
                if (pos >= payload.Length) return false;
                byte tk = payload[pos++];
                hasTid = (x & 0x20) != 0;
                hasKeyIdx = (x & 0x10) != 0;
                if (hasTid) { tid = tk >> 6; y = (tk & 0x20) != 0; }
                if (hasKeyIdx) keyIdx = tk & 0x1F;
            }
        }
        bool start = (b0 & 0x10) != 0;
        int partition = b0 & 0x0F;
        bool key = start && partition == 0 && pos < payload.Length && (payload[pos] & 0x01) == 0;
        descriptor = new Vp8PayloadDescriptor
        {
            Size = pos,
            NonReference = (b0 & 0x20) != 0,
            StartOfPartition = start,
            PartitionId = partition,
            HasPictureId = hasPid,
            HasLongPictureId = longPid,
            PictureId = pid,
            HasTl0PicIdx = hasTl0,
            Tl0PicIdx = tl0,
            HasTid = hasTid,
            TemporalLayer = tid,
            LayerSync = y,
            HasKeyIdx = hasKeyIdx,
            KeyIdx = keyIdx,
            IsKeyFrame = key,
            PictureIdOffset = pidOffset,
            Tl0Offset = tl0Offset,
        };
        return true;
    }

    /// <summary>True when <paramref name="payload"/> is the first packet of a VP8 key frame.</summary>
    public static bool IsKeyFramePayload(ReadOnlySpan<byte> payload)
        => TryParse(payload, out var d) && d.IsKeyFrame;

    /// <summary>
    /// Rewrites picture id and TL0PICIDX in place, keeping the field widths the sender chose (a 7-bit id
    /// stays 7-bit, so the value is taken modulo 128). Fields the packet lacks are left alone.
    /// </summary>
    public void Rewrite(Span<byte> payload, int pictureId, byte tl0PicIdx)
    {
        if (HasPictureId)
        {
            if (HasLongPictureId)
            {
                payload[PictureIdOffset] = (byte)(0x80 | ((pictureId >> 8) & 0x7F));
                payload[PictureIdOffset + 1] = (byte)pictureId;
            }
            else
            {
                payload[PictureIdOffset] = (byte)(pictureId & 0x7F);
            }
        }
        if (HasTl0PicIdx) payload[Tl0Offset] = tl0PicIdx;
    }

    /// <summary>
    /// Reads the frame size from the key frame header that follows the descriptor (RFC 6386 §9.1: 3-byte
    /// frame tag, start code 9d 01 2a, then 14-bit width and height with 2-bit scaling each).
    /// </summary>
    public static bool TryGetKeyFrameSize(ReadOnlySpan<byte> payload, out int width, out int height)
    {
        width = height = 0;
        if (!TryParse(payload, out var d) || !d.IsKeyFrame) return false;
        var vp8 = payload[d.Size..];
        if (vp8.Length < 10 || vp8[3] != 0x9d || vp8[4] != 0x01 || vp8[5] != 0x2a) return false;
        width = (vp8[6] | vp8[7] << 8) & 0x3FFF;
        height = (vp8[8] | vp8[9] << 8) & 0x3FFF;
        return true;
    }
}
