using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;
using X86Sse2 = System.Runtime.Intrinsics.X86.Sse2;

namespace MediaCore.Protocol.Srtp;

/// <summary>
/// AES in Segmented Integer Counter mode (RFC 3711 §4.1.1): AES-128 for the CM profiles, AES-128 or
/// AES-256 under GCM (RFC 7714). The key schedule is expanded once;
/// with AES-NI the keystream is produced four blocks at a time, otherwise through
/// <see cref="System.Security.Cryptography.Aes.EncryptEcb(ReadOnlySpan{byte}, Span{byte}, PaddingMode)"/>
/// on a reused scratch buffer. Not thread-safe.
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    private const int FallbackBlocks = 64;

    private readonly RoundKeys _roundKeys;
    private readonly int _rounds;
    private readonly bool _useIntrinsics;
    private readonly System.Security.Cryptography.Aes? _fallback;
    private readonly byte[]? _fallbackCounters;
    private readonly byte[]? _fallbackKeystream;

    [InlineArray(15)]
    private struct RoundKeys
    {
        private Vector128<byte> _first;
    }

    /// <param name="key">16-octet AES-128 or 32-octet AES-256 key.</param>
    /// <param name="allowIntrinsics">False forces the portable path (tests compare both).</param>
    public AesCounterMode(ReadOnlySpan<byte> key, bool allowIntrinsics = true)
    {
        if (key.Length is not (16 or 32)) throw new ArgumentException("The AES key must be 16 or 32 octets.", nameof(key));
        _rounds = key.Length == 16 ? 10 : 14;
        _useIntrinsics = allowIntrinsics && X86Aes.IsSupported && X86Sse2.IsSupported;
        if (_useIntrinsics)
        {
            if (_rounds == 10) ExpandKey(Vector128.Create(key), ref _roundKeys);
            else ExpandKey256(Vector128.Create(key), Vector128.Create(key[16..]), ref _roundKeys);
        }
        else
        {
            _fallback = System.Security.Cryptography.Aes.Create();
            _fallback.Key = key.ToArray();
            _fallbackCounters = new byte[FallbackBlocks * 16];
            _fallbackKeystream = new byte[FallbackBlocks * 16];
        }
    }

    public bool UsesIntrinsics => _useIntrinsics;

    /// <summary>XORs <paramref name="data"/> in place with the keystream starting at <paramref name="iv"/>.</summary>
    public void Transform(ReadOnlySpan<byte> iv, Span<byte> data) => Transform(iv, data, data);

    /// <summary>
    /// Writes <paramref name="source"/> XOR keystream to <paramref name="destination"/> (same length or
    /// longer; the two may be the same memory but must not otherwise overlap). The keystream starts at
    /// counter block <paramref name="iv"/>.
    /// The IV's low 16 bits must be zero (they always are: the IV is a multiple of 2^16, RFC 3711 §4.1.1);
    /// the block number goes there, which limits one call to 2^16 blocks (1 MiB), far above any packet.
    /// </summary>
    public void Transform(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length > 65536 * 16) throw new ArgumentException("At most 2^16 AES blocks per packet.", nameof(source));
        if (destination.Length < source.Length) throw new ArgumentException("Destination is too short.", nameof(destination));
        if (_useIntrinsics) TransformIntrinsics(Vector128.Create(iv), 0, source, destination);
        else TransformFallback(iv, source, destination);
    }

    /// <summary>
    /// Keystream XOR with counter blocks <paramref name="iv"/> carrying block numbers
    /// <paramref name="firstBlock"/>, +1, ... in its last two octets (GCM starts at 2, RFC 7714 §8.1 via
    /// SP 800-38D). Requires AES-NI; callers keep the last block number below 2^16.
    /// </summary>
    internal void TransformIntrinsics(Vector128<byte> iv, int firstBlock, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (_rounds != 10)
        {
            TransformIntrinsicsAnyRounds(iv, firstBlock, source, destination);
            return;
        }
        Vector128<byte> k0 = _roundKeys[0], k1 = _roundKeys[1], k2 = _roundKeys[2], k3 = _roundKeys[3];
        Vector128<byte> k4 = _roundKeys[4], k5 = _roundKeys[5], k6 = _roundKeys[6], k7 = _roundKeys[7];
        Vector128<byte> k8 = _roundKeys[8], k9 = _roundKeys[9], k10 = _roundKeys[10];
        Vector128<ushort> ivWords = iv.AsUInt16();
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        int length = source.Length;
        int offset = 0;
        int block = firstBlock;

        while (length - offset >= 64)
        {
            var b0 = Counter(ivWords, block) ^ k0;
            var b1 = Counter(ivWords, block + 1) ^ k0;
            var b2 = Counter(ivWords, block + 2) ^ k0;
            var b3 = Counter(ivWords, block + 3) ^ k0;
            b0 = X86Aes.Encrypt(b0, k1); b1 = X86Aes.Encrypt(b1, k1); b2 = X86Aes.Encrypt(b2, k1); b3 = X86Aes.Encrypt(b3, k1);
            b0 = X86Aes.Encrypt(b0, k2); b1 = X86Aes.Encrypt(b1, k2); b2 = X86Aes.Encrypt(b2, k2); b3 = X86Aes.Encrypt(b3, k2);
            b0 = X86Aes.Encrypt(b0, k3); b1 = X86Aes.Encrypt(b1, k3); b2 = X86Aes.Encrypt(b2, k3); b3 = X86Aes.Encrypt(b3, k3);
            b0 = X86Aes.Encrypt(b0, k4); b1 = X86Aes.Encrypt(b1, k4); b2 = X86Aes.Encrypt(b2, k4); b3 = X86Aes.Encrypt(b3, k4);
            b0 = X86Aes.Encrypt(b0, k5); b1 = X86Aes.Encrypt(b1, k5); b2 = X86Aes.Encrypt(b2, k5); b3 = X86Aes.Encrypt(b3, k5);
            b0 = X86Aes.Encrypt(b0, k6); b1 = X86Aes.Encrypt(b1, k6); b2 = X86Aes.Encrypt(b2, k6); b3 = X86Aes.Encrypt(b3, k6);
            b0 = X86Aes.Encrypt(b0, k7); b1 = X86Aes.Encrypt(b1, k7); b2 = X86Aes.Encrypt(b2, k7); b3 = X86Aes.Encrypt(b3, k7);
            b0 = X86Aes.Encrypt(b0, k8); b1 = X86Aes.Encrypt(b1, k8); b2 = X86Aes.Encrypt(b2, k8); b3 = X86Aes.Encrypt(b3, k8);
            b0 = X86Aes.Encrypt(b0, k9); b1 = X86Aes.Encrypt(b1, k9); b2 = X86Aes.Encrypt(b2, k9); b3 = X86Aes.Encrypt(b3, k9);
            b0 = X86Aes.EncryptLast(b0, k10); b1 = X86Aes.EncryptLast(b1, k10);
            b2 = X86Aes.EncryptLast(b2, k10); b3 = X86Aes.EncryptLast(b3, k10);
            (Vector128.LoadUnsafe(ref src, (nuint)offset) ^ b0).StoreUnsafe(ref dst, (nuint)offset);
            (Vector128.LoadUnsafe(ref src, (nuint)(offset + 16)) ^ b1).StoreUnsafe(ref dst, (nuint)(offset + 16));
            (Vector128.LoadUnsafe(ref src, (nuint)(offset + 32)) ^ b2).StoreUnsafe(ref dst, (nuint)(offset + 32));
            (Vector128.LoadUnsafe(ref src, (nuint)(offset + 48)) ^ b3).StoreUnsafe(ref dst, (nuint)(offset + 48));
            offset += 64;
            block += 4;
        }

        while (offset < length)
        {
            var b = Counter(ivWords, block) ^ k0;
            b = X86Aes.Encrypt(b, k1); b = X86Aes.Encrypt(b, k2); b = X86Aes.Encrypt(b, k3);
            b = X86Aes.Encrypt(b, k4); b = X86Aes.Encrypt(b, k5); b = X86Aes.Encrypt(b, k6);
            b = X86Aes.Encrypt(b, k7); b = X86Aes.Encrypt(b, k8); b = X86Aes.Encrypt(b, k9);
            b = X86Aes.EncryptLast(b, k10);
            if (length - offset < 16)
            {
                XorTail(b, ref Unsafe.Add(ref src, offset), ref Unsafe.Add(ref dst, offset), length - offset);
                return;
            }
            (Vector128.LoadUnsafe(ref src, (nuint)offset) ^ b).StoreUnsafe(ref dst, (nuint)offset);
            offset += 16;
            block++;
        }
    }

    private static void XorTail(Vector128<byte> keystream, ref byte src, ref byte dst, int count)
    {
        Span<byte> last = stackalloc byte[16];
        keystream.CopyTo(last);
        for (int i = 0; i < count; i++)
            Unsafe.Add(ref dst, i) = (byte)(Unsafe.Add(ref src, i) ^ last[i]);
    }

    /// <summary>
    /// The same keystream for any round count (AES-256 here), with the round keys read from the schedule
    /// rather than held in registers: 15 keys plus four blocks do not fit the 16 XMM registers of SSE.
    /// </summary>
    private void TransformIntrinsicsAnyRounds(Vector128<byte> iv, int firstBlock, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        Vector128<ushort> ivWords = iv.AsUInt16();
        int length = source.Length;
        int offset = 0;
        int block = firstBlock;
        int rounds = _rounds;
        var k0 = _roundKeys[0];
        var kLast = _roundKeys[rounds];
        while (length - offset >= 64)
        {
            var b0 = Counter(ivWords, block) ^ k0;
            var b1 = Counter(ivWords, block + 1) ^ k0;
            var b2 = Counter(ivWords, block + 2) ^ k0;
            var b3 = Counter(ivWords, block + 3) ^ k0;
            for (int r = 1; r < rounds; r++)
            {
                var k = _roundKeys[r];
                b0 = X86Aes.Encrypt(b0, k); b1 = X86Aes.Encrypt(b1, k); b2 = X86Aes.Encrypt(b2, k); b3 = X86Aes.Encrypt(b3, k);
            }
            b0 = X86Aes.EncryptLast(b0, kLast); b1 = X86Aes.EncryptLast(b1, kLast);
            b2 = X86Aes.EncryptLast(b2, kLast); b3 = X86Aes.EncryptLast(b3, kLast);
            (Vector128.LoadUnsafe(ref src, (nuint)offset) ^ b0).StoreUnsafe(ref dst, (nuint)offset);
            (Vector128.LoadUnsafe(ref src, (nuint)(offset + 16)) ^ b1).StoreUnsafe(ref dst, (nuint)(offset + 16));
            (Vector128.LoadUnsafe(ref src, (nuint)(offset + 32)) ^ b2).StoreUnsafe(ref dst, (nuint)(offset + 32));
            (Vector128.LoadUnsafe(ref src, (nuint)(offset + 48)) ^ b3).StoreUnsafe(ref dst, (nuint)(offset + 48));
            offset += 64;
            block += 4;
        }
        while (offset < length)
        {
            var b = EncryptBlock(Counter(ivWords, block).AsByte());
            if (length - offset < 16)
            {
                XorTail(b, ref Unsafe.Add(ref src, offset), ref Unsafe.Add(ref dst, offset), length - offset);
                return;
            }
            (Vector128.LoadUnsafe(ref src, (nuint)offset) ^ b).StoreUnsafe(ref dst, (nuint)offset);
            offset += 16;
            block++;
        }
    }

    /// <summary>Encrypts one block (AES-NI path only).</summary>
    internal Vector128<byte> EncryptBlock(Vector128<byte> block)
    {
        block ^= _roundKeys[0];
        for (int round = 1; round < _rounds; round++) block = X86Aes.Encrypt(block, _roundKeys[round]);
        return X86Aes.EncryptLast(block, _roundKeys[_rounds]);
    }

    /// <summary>Counter block: the IV with the big-endian block number in its last two octets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Counter(Vector128<ushort> iv, int block) =>
        X86Sse2.Insert(iv, BinaryPrimitives.ReverseEndianness((ushort)block), 7).AsByte();

    private void TransformFallback(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var counters = _fallbackCounters!;
        var keystream = _fallbackKeystream!;
        int block = 0;
        for (int offset = 0; offset < source.Length; offset += FallbackBlocks * 16)
        {
            int chunk = Math.Min(FallbackBlocks * 16, source.Length - offset);
            int blocks = (chunk + 15) / 16;
            for (int b = 0; b < blocks; b++, block++)
            {
                var counter = counters.AsSpan(b * 16, 16);
                iv.CopyTo(counter);
                counter[14] = (byte)(block >> 8);
                counter[15] = (byte)block;
            }
            _fallback!.EncryptEcb(counters.AsSpan(0, blocks * 16), keystream, PaddingMode.None);
            var input = source.Slice(offset, chunk);
            var output = destination.Slice(offset, chunk);
            for (int i = 0; i < input.Length; i++) output[i] = (byte)(input[i] ^ keystream[i]);
        }
    }

    /// <summary>AES-128 key expansion (FIPS 197 §5.2) with AESKEYGENASSIST.</summary>
    private static void ExpandKey(Vector128<byte> key, ref RoundKeys keys)
    {
        keys[0] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x01)); keys[1] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x02)); keys[2] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x04)); keys[3] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x08)); keys[4] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x10)); keys[5] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x20)); keys[6] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x40)); keys[7] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x80)); keys[8] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x1B)); keys[9] = key;
        key = ExpandStep(key, X86Aes.KeygenAssist(key, 0x36)); keys[10] = key;
    }

    /// <summary>AES-256 key expansion (FIPS 197 §5.2): alternate steps use RotWord+SubWord and SubWord alone.</summary>
    private static void ExpandKey256(Vector128<byte> a, Vector128<byte> b, ref RoundKeys keys)
    {
        keys[0] = a;
        keys[1] = b;
        a = ExpandStep(a, X86Aes.KeygenAssist(b, 0x01)); keys[2] = a; b = ExpandOddStep(b, a); keys[3] = b;
        a = ExpandStep(a, X86Aes.KeygenAssist(b, 0x02)); keys[4] = a; b = ExpandOddStep(b, a); keys[5] = b;
        a = ExpandStep(a, X86Aes.KeygenAssist(b, 0x04)); keys[6] = a; b = ExpandOddStep(b, a); keys[7] = b;
        a = ExpandStep(a, X86Aes.KeygenAssist(b, 0x08)); keys[8] = a; b = ExpandOddStep(b, a); keys[9] = b;
        a = ExpandStep(a, X86Aes.KeygenAssist(b, 0x10)); keys[10] = a; b = ExpandOddStep(b, a); keys[11] = b;
        a = ExpandStep(a, X86Aes.KeygenAssist(b, 0x20)); keys[12] = a; b = ExpandOddStep(b, a); keys[13] = b;
        a = ExpandStep(a, X86Aes.KeygenAssist(b, 0x40)); keys[14] = a;
    }

    private static Vector128<byte> ExpandOddStep(Vector128<byte> key, Vector128<byte> previous)
    {
        var assist = X86Sse2.Shuffle(X86Aes.KeygenAssist(previous, 0x00).AsInt32(), 0xAA).AsByte();
        key ^= X86Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= X86Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= X86Sse2.ShiftLeftLogical128BitLane(key, 4);
        return key ^ assist;
    }

    private static Vector128<byte> ExpandStep(Vector128<byte> key, Vector128<byte> assist)
    {
        assist = X86Sse2.Shuffle(assist.AsInt32(), 0xFF).AsByte();
        key ^= X86Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= X86Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= X86Sse2.ShiftLeftLogical128BitLane(key, 4);
        return key ^ assist;
    }

    public void Dispose() => _fallback?.Dispose();
}
