using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace MediaCore.Protocol.Srtp;

/// <summary>AES-GCM with a 12-octet nonce and 16-octet tag (NIST SP 800-38D), as SRTP uses it (RFC 7714).</summary>
internal abstract class GaloisCounterMode : IDisposable
{
    public const int TagLength = 16;

    /// <summary>AES-NI + PCLMULQDQ when the CPU has them; otherwise <see cref="AesGcm"/>.</summary>
    public static GaloisCounterMode Create(ReadOnlySpan<byte> key, bool allowIntrinsics = true) =>
        allowIntrinsics && IntrinsicGcm.IsSupported ? new IntrinsicGcm(key) : new SystemGcm(key);

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same memory allowed) and writes the tag.</summary>
    public abstract void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad);

    /// <summary>Verifies the tag, then decrypts; false (never an exception) when the tag does not verify.</summary>
    public abstract bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad);

    public abstract void Dispose();

    private sealed class SystemGcm(ReadOnlySpan<byte> key) : GaloisCounterMode
    {
        private readonly AesGcm _aes = new(key, TagLength);

        public override void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad) =>
            _aes.Encrypt(nonce, plaintext, ciphertext, tag, aad);

        public override bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad)
        {
            try
            {
                _aes.Decrypt(nonce, ciphertext, tag, plaintext, aad);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        public override void Dispose() => _aes.Dispose();
    }
}

/// <summary>
/// AES-GCM (128- or 256-bit key) on AES-NI and carry-less multiplication: counter mode from <see cref="AesCounterMode"/>,
/// GHASH with the bit-reflected multiply and reduction of Gueron and Kounavis ("Intel Carry-Less
/// Multiplication Instruction and its Usage for Computing the GCM Mode", algorithms 1 and 5), four
/// blocks per reduction with precomputed H^1..H^4. Verifies before decrypting, so a forged packet costs
/// one GHASH pass and never an exception.
/// </summary>
internal sealed class IntrinsicGcm : GaloisCounterMode
{
    private readonly AesCounterMode _ctr;
    private readonly Vector128<ulong> _h1, _h2, _h3, _h4;

    public static bool IsSupported => System.Runtime.Intrinsics.X86.Aes.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported;

    public IntrinsicGcm(ReadOnlySpan<byte> key)
    {
        _ctr = new AesCounterMode(key);
        _h1 = Reflect(_ctr.EncryptBlock(Vector128<byte>.Zero)).AsUInt64();
        _h2 = Mul(_h1, _h1);
        _h3 = Mul(_h2, _h1);
        _h4 = Mul(_h3, _h1);
    }

    /// <summary>Data blocks are numbered from 2 in the 16-bit counter slot: at most 65533 blocks, far above a datagram.</summary>
    private const int MaxLength = (65536 - 2) * 16;

    public override void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        if (plaintext.Length > MaxLength) throw new ArgumentException("Packet too long for SRTP.", nameof(plaintext));
        var counter = CounterBase(nonce);
        _ctr.TransformIntrinsics(counter, 2, plaintext, ciphertext);
        ComputeTag(counter, aad, ciphertext[..plaintext.Length]).CopyTo(tag);
    }

    public override bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad)
    {
        if (ciphertext.Length > MaxLength) return false;
        var counter = CounterBase(nonce);
        Span<byte> expected = stackalloc byte[TagLength];
        ComputeTag(counter, aad, ciphertext).CopyTo(expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, tag)) return false;
        _ctr.TransformIntrinsics(counter, 2, ciphertext, plaintext);
        return true;
    }

    /// <summary>J0 without its counter: nonce || 0x00000000; the block number fills the last octets (J0 = 1, data from 2).</summary>
    private static Vector128<byte> CounterBase(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != 12) throw new ArgumentException("GCM nonce must be 12 octets.", nameof(nonce));
        Span<byte> block = stackalloc byte[16];
        nonce.CopyTo(block);
        block[12..].Clear();
        return Vector128.Create((ReadOnlySpan<byte>)block);
    }

    /// <summary>T = GHASH_H(A, C) XOR E_K(J0) (SP 800-38D §7.1).</summary>
    private Vector128<byte> ComputeTag(Vector128<byte> counter, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext)
    {
        var y = Vector128<ulong>.Zero;
        y = Absorb(y, aad);
        y = Absorb(y, ciphertext);
        var lengths = Vector128.Create(
            BinaryPrimitives.ReverseEndianness((ulong)aad.Length * 8),
            BinaryPrimitives.ReverseEndianness((ulong)ciphertext.Length * 8)).AsByte();
        y = Mul(y ^ Reflect(lengths).AsUInt64(), _h1);
        var j0 = Sse2.Insert(counter.AsUInt16(), BinaryPrimitives.ReverseEndianness((ushort)1), 7).AsByte();
        return Reflect(y.AsByte()) ^ _ctr.EncryptBlock(j0);
    }

    /// <summary>GHASH over <paramref name="data"/> zero-padded to whole blocks.</summary>
    private Vector128<ulong> Absorb(Vector128<ulong> y, ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int offset = 0;
        var h1 = _h1;
        var h2 = _h2;
        var h3 = _h3;
        var h4 = _h4;
        while (length - offset >= 64)
        {
            var x0 = Reflect(Vector128.LoadUnsafe(ref start, (nuint)offset)).AsUInt64() ^ y;
            var x1 = Reflect(Vector128.LoadUnsafe(ref start, (nuint)(offset + 16))).AsUInt64();
            var x2 = Reflect(Vector128.LoadUnsafe(ref start, (nuint)(offset + 32))).AsUInt64();
            var x3 = Reflect(Vector128.LoadUnsafe(ref start, (nuint)(offset + 48))).AsUInt64();
            Multiply(x0, h4, out var lo, out var hi);
            Multiply(x1, h3, out var lo1, out var hi1);
            Multiply(x2, h2, out var lo2, out var hi2);
            Multiply(x3, h1, out var lo3, out var hi3);
            y = Reduce(lo ^ lo1 ^ lo2 ^ lo3, hi ^ hi1 ^ hi2 ^ hi3);
            offset += 64;
        }
        while (length - offset >= 16)
        {
            y = Mul(y ^ Reflect(Vector128.LoadUnsafe(ref start, (nuint)offset)).AsUInt64(), h1);
            offset += 16;
        }
        if (offset < length)
        {
            Span<byte> last = stackalloc byte[16];
            last.Clear();
            data[offset..].CopyTo(last);
            y = Mul(y ^ Reflect(Vector128.Create((ReadOnlySpan<byte>)last)).AsUInt64(), h1);
        }
        return y;
    }

    /// <summary>Byte reversal: GHASH's bit-reflected field elements map to PCLMULQDQ's order this way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reflect(Vector128<byte> x) =>
        Ssse3.Shuffle(x, Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Mul(Vector128<ulong> a, Vector128<ulong> b)
    {
        Multiply(a, b, out var lo, out var hi);
        return Reduce(lo, hi);
    }

    /// <summary>256-bit carry-less product of two 128-bit values, unreduced (schoolbook, four multiplies).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply(Vector128<ulong> a, Vector128<ulong> b, out Vector128<ulong> lo, out Vector128<ulong> hi)
    {
        var t3 = Pclmulqdq.CarrylessMultiply(a, b, 0x00);
        var t4 = Pclmulqdq.CarrylessMultiply(a, b, 0x10);
        var t5 = Pclmulqdq.CarrylessMultiply(a, b, 0x01);
        var t6 = Pclmulqdq.CarrylessMultiply(a, b, 0x11);
        t4 ^= t5;
        lo = t3 ^ Sse2.ShiftLeftLogical128BitLane(t4.AsByte(), 8).AsUInt64();
        hi = t6 ^ Sse2.ShiftRightLogical128BitLane(t4.AsByte(), 8).AsUInt64();
    }

    /// <summary>
    /// Shifts the 256-bit product left by one (the reflected representation) and reduces it modulo
    /// x^128 + x^7 + x^2 + x + 1. Both steps are linear, so summed products can share one call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Reduce(Vector128<ulong> low, Vector128<ulong> high)
    {
        var t3 = low.AsUInt32();
        var t6 = high.AsUInt32();
        var t7 = Sse2.ShiftRightLogical(t3, 31);
        var t8 = Sse2.ShiftRightLogical(t6, 31);
        t3 = Sse2.ShiftLeftLogical(t3, 1);
        t6 = Sse2.ShiftLeftLogical(t6, 1);
        var t9 = Sse2.ShiftRightLogical128BitLane(t7.AsByte(), 12).AsUInt32();
        t8 = Sse2.ShiftLeftLogical128BitLane(t8.AsByte(), 4).AsUInt32();
        t7 = Sse2.ShiftLeftLogical128BitLane(t7.AsByte(), 4).AsUInt32();
        t3 |= t7;
        t6 |= t8 | t9;

        t7 = Sse2.ShiftLeftLogical(t3, 31);
        t8 = Sse2.ShiftLeftLogical(t3, 30);
        t9 = Sse2.ShiftLeftLogical(t3, 25);
        t7 ^= t8 ^ t9;
        t8 = Sse2.ShiftRightLogical128BitLane(t7.AsByte(), 4).AsUInt32();
        t7 = Sse2.ShiftLeftLogical128BitLane(t7.AsByte(), 12).AsUInt32();
        t3 ^= t7;
        var t2 = Sse2.ShiftRightLogical(t3, 1);
        var t4 = Sse2.ShiftRightLogical(t3, 2);
        var t5 = Sse2.ShiftRightLogical(t3, 7);
        t2 ^= t4 ^ t5 ^ t8;
        t3 ^= t2;
        return (t6 ^ t3).AsUInt64();
    }

    public override void Dispose() => _ctr.Dispose();
}
