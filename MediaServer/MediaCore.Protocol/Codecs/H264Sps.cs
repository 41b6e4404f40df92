namespace MediaCore.Protocol.Codecs;

/// <summary>
/// Reads the picture size from an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1, cropping per
/// §7.4.2.1.1). The NAL's emulation prevention bytes (00 00 03, §7.4.1) are skipped while reading.
/// </summary>
internal static class H264Sps
{
    public static bool TryGetResolution(ReadOnlySpan<byte> nal, out int width, out int height)
    {
        width = height = 0;
        if (nal.Length < 4 || (nal[0] & 0x1F) != H264Packetization.NalSps) return false;
        var r = new BitReader(nal[1..]);
        int profile = (int)r.ReadBits(8);
        r.ReadBits(16); // constraint flags, level_idc
        r.ReadUe(); // seq_parameter_set_id
        uint chroma = 1;
        bool separatePlanes = false;
        if (profile is 100 or 110 or 122 or 244 or 44 or 83 or 86 or 118 or 128 or 138 or 139 or 134 or 135)
        {
            chroma = r.ReadUe();
            if (chroma == 3) separatePlanes = r.ReadBits(1) == 1;
            r.ReadUe(); r.ReadUe(); // bit depths
            r.ReadBits(1);
            if (r.ReadBits(1) == 1)
            {
                int lists = chroma != 3 ? 8 : 12;
                for (int i = 0; i < lists && !r.Failed; i++)
                {
                    if (r.ReadBits(1) == 0) continue;
                    int size = i < 6 ? 16 : 64;
                    int last = 8, next = 8;
                    for (int j = 0; j < size && !r.Failed; j++)
                    {
                        if (next != 0) next = (last + r.ReadSe() + 256) % 256;
                        last = next == 0 ? last : next;
                    }
                }
            }
        }
        r.ReadUe(); // log2_max_frame_num_minus4
        uint pocType = r.ReadUe();
        if (pocType == 0)
        {
            r.ReadUe();
        }
        else if (pocType == 1)
        {
            r.ReadBits(1);
            r.ReadSe(); r.ReadSe();
            uint cycle = r.ReadUe();
            if (cycle > 255) return false;
            for (uint i = 0; i < cycle && !r.Failed; i++) r.ReadSe();
        }
        r.ReadUe(); // max_num_ref_frames
        r.ReadBits(1);
        uint wMbs = r.ReadUe() + 1;
        uint hMaps = r.ReadUe() + 1;
        uint frameMbsOnly = r.ReadBits(1);
        if (frameMbsOnly == 0) r.ReadBits(1);
        r.ReadBits(1);
        uint cl = 0, cr = 0, ct = 0, cb = 0;
        if (r.ReadBits(1) == 1)
        {
            cl = r.ReadUe(); cr = r.ReadUe(); ct = r.ReadUe(); cb = r.ReadUe();
        }
        if (r.Failed || wMbs > 1024 || hMaps > 1024 || chroma > 3) return false;
        uint unitX = 1, unitY = 2 - frameMbsOnly;
        if (chroma != 0 && !separatePlanes)
        {
            unitX = chroma == 3 ? 1u : 2u;
            unitY *= chroma == 1 ? 2u : 1u;
        }
        long w = wMbs * 16L - (cl + cr) * (long)unitX;
        long h = (2 - frameMbsOnly) * hMaps * 16L - (ct + cb) * (long)unitY;
        if (w <= 0 || h <= 0) return false;
        width = (int)w;
        height = (int)h;
        return true;
    }

    private ref struct BitReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _byte;
        private int _bit;
        private int _zeros;
        private byte _cur;
        public bool Failed;

        public BitReader(ReadOnlySpan<byte> data)
        {
            _data = data;
            _byte = -1;
            _bit = 8;
            _zeros = 0;
            _cur = 0;
            Failed = false;
        }

        private bool NextByte()
        {
            while (true)
            {
                _byte++;
                if (_byte >= _data.Length) { Failed = true; return false; }
                byte b = _data[_byte];
                if (_zeros >= 2 && b == 3) { _zeros = 0; continue; }
                _zeros = b == 0 ? _zeros + 1 : 0;
                _cur = b;
                _bit = 0;
                return true;
            }
        }

        public uint ReadBits(int n)
        {
            uint v = 0;
            for (int i = 0; i < n; i++)
            {
                if (_bit == 8 && !NextByte()) return 0;
                v = (v << 1) | (uint)((_cur >> (7 - _bit)) & 1);
                _bit++;
            }
            return v;
        }

        /// <summary>Exp-Golomb ue(v), §9.1.</summary>
        public uint ReadUe()
        {
            int zeros = 0;
            while (!Failed && ReadBits(1) == 0)
            {
                if (++zeros > 31) { Failed = true; return 0; }
            }
            if (Failed) return 0;
            return (uint)((1L << zeros) - 1 + ReadBits(zeros));
        }

        /// <summary>Signed exp-Golomb se(v), §9.1.1.</summary>
        public int ReadSe()
        {
            uint k = ReadUe();
            return (k & 1) == 1 ? (int)((k + 1) / 2) : -(int)(k / 2);
        }
    }
}
