using System.Buffers.Binary;

namespace MediaCore.Protocol.Tests.Dtls;

/// <summary>
/// Test-side reader for plaintext (epoch 0) DTLS handshake messages, to check what actually goes on
/// the wire. Assumes well-formed input from our own peers.
/// </summary>
internal static class DtlsWire
{
    /// <summary>
    /// Record header (RFC 6347 §4.1), 13 bytes:
    /// <code>
    ///  type(1) | version(2) | epoch(2) | sequence_number(6) | length(2) | fragment...
    /// </code>
    /// Handshake header (RFC 6347 §4.2.2), 12 bytes:
    /// <code>
    ///  msg_type(1) | length(3) | message_seq(2) | fragment_offset(3) | fragment_length(3) | body...
    /// </code>
    /// </summary>
    public static IEnumerable<(byte Type, byte[] Body)> HandshakeMessages(IEnumerable<byte[]> datagrams)
    {
        foreach (byte[] d in datagrams)
        {
            int off = 0;
            while (off + 13 <= d.Length)
            {
                byte contentType = d[off];
                int epoch = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(off + 3));
                int length = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(off + 11));
                int body = off + 13;
                if (contentType == 22 && epoch == 0 && length >= 12)
                {
                    byte msgType = d[body];
                    int fragOffset = Read24(d, body + 6);
                    int fragLength = Read24(d, body + 9);
                    // Only unfragmented messages matter to these tests (hellos fit one datagram).
                    if (fragOffset == 0 && fragLength == Read24(d, body + 1))
                        yield return (msgType, d.AsSpan(body + 12, fragLength).ToArray());
                }
                off = body + length;
            }
        }
    }

    /// <summary>Cipher suites and extensions of a ClientHello body (RFC 6347 §4.2.1, RFC 5246 §7.4.1.2).</summary>
    public static (ushort Version, ushort[] CipherSuites, Dictionary<ushort, byte[]> Extensions) ParseClientHello(byte[] b)
    {
        ushort version = BinaryPrimitives.ReadUInt16BigEndian(b);
        int p = 2 + 32;
        p += 1 + b[p];            // session_id
        p += 1 + b[p];            // cookie
        int suitesLen = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(p));
        var suites = new ushort[suitesLen / 2];
        for (int i = 0; i < suites.Length; i++)
            suites[i] = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(p + 2 + 2 * i));
        p += 2 + suitesLen;
        p += 1 + b[p];            // compression_methods
        return (version, suites, ParseExtensions(b, p));
    }

    /// <summary>Selected cipher suite and extensions of a ServerHello body (RFC 5246 §7.4.1.3).</summary>
    public static (ushort Version, ushort CipherSuite, Dictionary<ushort, byte[]> Extensions) ParseServerHello(byte[] b)
    {
        ushort version = BinaryPrimitives.ReadUInt16BigEndian(b);
        int p = 2 + 32;
        p += 1 + b[p];            // session_id
        ushort suite = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(p));
        p += 2 + 1;               // cipher_suite, compression_method
        return (version, suite, ParseExtensions(b, p));
    }

    /// <summary>use_srtp extension_data (RFC 5764 §4.1.1): profiles list and MKI.</summary>
    public static (ushort[] Profiles, byte[] Mki) ParseUseSrtp(byte[] data)
    {
        int len = BinaryPrimitives.ReadUInt16BigEndian(data);
        var profiles = new ushort[len / 2];
        for (int i = 0; i < profiles.Length; i++)
            profiles[i] = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(2 + 2 * i));
        int mkiLen = data[2 + len];
        return (profiles, data.AsSpan(3 + len, mkiLen).ToArray());
    }

    private static Dictionary<ushort, byte[]> ParseExtensions(byte[] b, int p)
    {
        var result = new Dictionary<ushort, byte[]>();
        if (p + 2 > b.Length)
            return result;
        int end = p + 2 + BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(p));
        p += 2;
        while (p + 4 <= end)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(p));
            int len = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(p + 2));
            result[type] = b.AsSpan(p + 4, len).ToArray();
            p += 4 + len;
        }
        return result;
    }

    private static int Read24(byte[] b, int off) => (b[off] << 16) | (b[off + 1] << 8) | b[off + 2];

    /// <summary>
    /// Returns a copy of a single-record, unfragmented ClientHello datagram with <paramref name="extensions"/>
    /// (type, data) appended, fixing the record, handshake, fragment and extensions lengths.
    /// </summary>
    public static byte[] AppendClientHelloExtensions(byte[] datagram, params (ushort Type, byte[] Data)[] extensions)
    {
        int added = extensions.Sum(e => 4 + e.Data.Length);
        byte[] body = datagram.AsSpan(13 + 12).ToArray();
        // Locate the extensions block exactly as ParseClientHello walks the body.
        int p = 2 + 32;
        p += 1 + body[p];
        p += 1 + body[p];
        p += 2 + BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(p));
        p += 1 + body[p];
        int extLen = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(p));

        var result = new byte[datagram.Length + added];
        datagram.CopyTo(result, 0);
        int o = datagram.Length;
        foreach (var (type, data) in extensions)
        {
            BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(o), type);
            BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(o + 2), (ushort)data.Length);
            data.CopyTo(result, o + 4);
            o += 4 + data.Length;
        }
        int bodyLen = body.Length + added;
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(11), (ushort)(12 + bodyLen));   // record length
        Write24(result, 13 + 1, bodyLen);                                                   // handshake length
        Write24(result, 13 + 9, bodyLen);                                                   // fragment_length
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(13 + 12 + p), (ushort)(extLen + added));
        return result;
    }

    private static void Write24(byte[] b, int off, int value)
    {
        b[off] = (byte)(value >> 16);
        b[off + 1] = (byte)(value >> 8);
        b[off + 2] = (byte)value;
    }
}
