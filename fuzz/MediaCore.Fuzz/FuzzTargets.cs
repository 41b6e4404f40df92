using System.Text.Json;
using System.Text.Json.Serialization;
using MediaCore.ControlPlane.Attendance;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Demux;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Matroska;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Sip;
using MediaCore.Protocol.Stun;

namespace MediaCore.Fuzz;

/// <summary>
/// One fuzz target per parser that reads outside input. Each takes arbitrary bytes and must return normally:
/// a parser says no (false, an error value, a JSON error the API answers with 400), it never throws, hangs or
/// reads out of bounds. Whatever escapes is a finding (AFL records it as a crash).
/// </summary>
public static class FuzzTargets
{
    /// <summary>Targets by name (the name is the corpus folder: fuzz/corpus/&lt;name&gt;).</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>
    {
        ["stun"] = Stun,
        ["rtp"] = Rtp,
        ["rtcp"] = Rtcp,
        ["sdp"] = Sdp,
        ["sipsdp"] = SipSdp,
        ["dtls"] = Dtls,
        ["checkin"] = CheckIn,
        ["matroska"] = Matroska,
        ["webm"] = Webm,
    };

    private static readonly byte[] IntegrityKey = "0123456789abcdefghijklmn"u8.ToArray();
    private static readonly Lazy<DtlsCertificate> Certificate = new(() => DtlsCertificate.Generate());
    private static readonly JsonSerializerOptions CheckInJson = new(JsonSerializerOptions.Web)
    {
        // As the ControlPlane binds request bodies (Program.cs: ConfigureHttpJsonOptions).
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>STUN (RFC 8489) and the ICE attributes (RFC 8445): the demultiplexer, the parser and every getter.</summary>
    public static void Stun(byte[] data)
    {
        PacketDemux.Classify(data);
        if (!StunMessage.TryParse(data, out var m)) return;
        _ = m.Class;
        _ = m.Method;
        _ = m.TransactionId;
        foreach (var a in m.Attributes) _ = a.Value.Length;
        m.TryGetUsername(out _);
        m.TryGetSoftware(out _);
        m.TryGetPriority(out _);
        m.TryGetIceControlling(out _);
        m.TryGetIceControlled(out _);
        m.TryGetErrorCode(out _, out _);
        m.TryGetXorMappedAddress(out _);
        _ = m.HasUseCandidate;
        m.VerifyFingerprint();
        using var key = StunIntegrityKey.ForShortTerm("0123456789abcdefghijklmn");
        m.VerifyMessageIntegrity(key);
        _ = IntegrityKey.Length;
    }

    /// <summary>RTP (RFC 3550) with header extensions (RFC 8285), RTX (RFC 4588) and the codec payload readers.</summary>
    public static void Rtp(byte[] data)
    {
        var scratch = new byte[data.Length + 64];
        if (RtpPacket.TryParse(data, out var p, out _))
        {
            foreach (var e in p.GetExtensions()) _ = e.Id + e.Data.Length;
            for (int id = 1; id < 15; id++) p.TryGetExtension(id, out _);
            var payload = p.Payload;
            Vp8PayloadDescriptor.TryParse(payload, out _);
            Vp8PayloadDescriptor.TryGetKeyFrameSize(payload, out _, out _);
            H264Packetization.IsKeyFrame(payload);
            H264Packetization.TryGetResolution(payload, out _, out _);
            KeyFrameDetector.IsKeyFrame(CodecKind.Vp9, payload);
            KeyFrameDetector.IsKeyFrame(CodecKind.Av1, payload);
            RtxPacket.TryUnwrap(data, scratch, new PayloadType(96), new Ssrc(1), out _);
            var copy = (byte[])data.Clone();
            RtpHeaderEditor.TryOverwriteExtension(copy, 3, [1, 2]);
            RtpHeaderEditor.RemoveExtension(copy, 5);
            if (!RtpPacket.TryParse(copy, out _)) throw new InvalidOperationException("editing a valid header made it invalid");
        }
        else
        {
            Vp8PayloadDescriptor.TryParse(data, out _);
            H264Packetization.TryGetResolution(data, out _, out _);
        }
    }

    /// <summary>RTCP compounds (RFC 3550 §6, RFC 4585, RFC 5104, REMB, transport-cc): every typed reader on every packet.</summary>
    public static void Rtcp(byte[] data)
    {
        ReadTyped(data);
        var reader = new RtcpCompoundReader(data);
        int guard = 0;
        while (reader.TryReadNext(out var packet))
        {
            if (++guard > data.Length / 4 + 1) throw new InvalidOperationException("the compound reader does not advance");
            ReadTyped(packet.Raw);
        }
    }

    private static void ReadTyped(ReadOnlySpan<byte> p)
    {
        if (SenderReport.TryParse(p, out var sr)) foreach (var b in sr.ReportBlocks) _ = b.Jitter;
        if (ReceiverReport.TryParse(p, out var rr)) foreach (var b in rr.ReportBlocks) _ = b.CumulativeLost;
        if (SdesPacket.TryParse(p, out var sdes))
        {
            foreach (var chunk in sdes) chunk.TryGetItem(SdesItemType.Cname, out _);
            sdes.TryGetCname(out _, out _);
        }
        if (ByePacket.TryParse(p, out var bye)) for (int i = 0; i < bye.SsrcCount; i++) _ = bye.GetSsrc(i);
        if (GenericNack.TryParse(p, out var nack)) foreach (ushort _ in nack) { }
        PictureLossIndication.TryParse(p, out _);
        if (FullIntraRequest.TryParse(p, out var fir)) for (int i = 0; i < fir.EntryCount; i++) _ = fir.GetEntry(i);
        if (Remb.TryParse(p, out var remb)) for (int i = 0; i < remb.SsrcCount; i++) _ = remb.GetSsrc(i);
        if (TransportFeedback.TryParse(p, out var twcc))
        {
            int n = 0;
            foreach (var _ in twcc) n++;
            if (n != twcc.StatusCount) throw new InvalidOperationException($"transport-cc: {n} statuses enumerated, {twcc.StatusCount} announced");
        }
    }

    /// <summary>SDP (RFC 8866) offers as WHIP/WHEP receive them (UTF-8 text): parse, then answer as the server would.</summary>
    public static void Sdp(byte[] data)
    {
        string text = System.Text.Encoding.UTF8.GetString(data);
        if (!SdpParser.TryParse(text, out var offer, out _)) return;
        SdpWriter.Write(offer);
        var answer = SdpNegotiator.CreateAnswer(offer, new AnswerOptions
        {
            IceUfrag = "fuzz", IcePwd = "fuzzfuzzfuzzfuzzfuzzfuzz", Fingerprint = DtlsFingerprint.Sha256(new byte[32]),
            Setup = SetupRole.Passive, IceLite = true, Candidates = [], SessionId = 1,
        });
        if (answer.Answer is not null) SdpWriter.Write(answer.Answer);
    }

    /// <summary>
    /// SDP offers of SIP terminals (UTF-8 text): the SIP answerer with audio, H.264 video and SDES-SRTP (RFC 4568 a=crypto,
    /// parsed by <see cref="SdesCrypto"/>), as MediaServer answers an INVITE.
    /// </summary>
    public static void SipSdp(byte[] data)
    {
        string text = System.Text.Encoding.UTF8.GetString(data);
        if (SipSdpAnswerer.TryAnswer(text, "192.0.2.1", 30000, 30002, 1, 1, out var session, out _) && !SdpParser.TryParse(session.Answer, out _, out var error))
            throw new InvalidOperationException("the SIP answer does not parse: " + error);
    }

    /// <summary>
    /// DTLS records (RFC 9147 §4, DTLS 1.2 as RFC 6347): the demultiplexer, then a server endpoint (BouncyCastle behind
    /// our queues) fed the datagram; it must fail cleanly, never throw out of the facade.
    /// </summary>
    public static void Dtls(byte[] data)
    {
        PacketDemux.Classify(data);
        using var endpoint = new DtlsEndpoint(DtlsRole.Server, Certificate.Value, null,
            new DtlsEndpointOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(200) });
        endpoint.Start();
        endpoint.HandleReceive(0, data);
        // Give the handshake thread a moment to read it (it answers, fails or waits for more).
        for (int i = 0; i < 20 && endpoint.State is DtlsState.Handshaking or DtlsState.New; i++)
        {
            if (endpoint.TryPollDatagram(out _, out _)) break;
            Thread.Sleep(1);
        }
        endpoint.HandleTimeout(MediaTime.FromMilliseconds(10));
        while (endpoint.TryPollEvent(out _)) { }
        endpoint.Close();
    }

    /// <summary>
    /// A check-in upload body (<c>POST /api/attendance/events</c> or <c>/batch</c>) bound as the ControlPlane binds it,
    /// then the field checks that need no database (method, photo: base64 and JPEG header).
    /// </summary>
    public static void CheckIn(byte[] data)
    {
        var events = new List<CheckInEvent?>();
        try
        {
            events.Add(JsonSerializer.Deserialize<CheckInEvent>(data, CheckInJson));
        }
        catch (JsonException)
        {
            // 400 for the client.
        }
        try
        {
            if (JsonSerializer.Deserialize<CheckInBatch>(data, CheckInJson)?.Events is { } batch) events.AddRange(batch);
        }
        catch (JsonException)
        {
        }
        foreach (var e in events)
        {
            if (e is null) continue;
            CheckInIngest.ParseMethod(e.Method);
            if (e.Photo is not null) CheckInIngest.DecodePhoto(e.Photo, 512 * 1024, out _);
        }
    }

    /// <summary>
    /// A WebM/Matroska file as scheduled playback reads it (courseware, recordings): open, then every frame until the
    /// end or an error. A broken file is an <see cref="MatroskaBlockReader.Error"/>, never an exception or an endless loop.
    /// </summary>
    public static void Webm(byte[] data)
    {
        using var stream = new MemoryStream(data, writable: false);
        if (!MatroskaBlockReader.TryOpen(stream, out var reader, out _) || reader is null) return;
        foreach (var t in reader.Tracks) _ = t.CodecId.Length;
        int frames = 0;
        while (reader.TryReadFrame(out _, out _, out _, out var frame))
        {
            _ = frame.Length;
            if (++frames > data.Length) throw new InvalidOperationException("more frames than bytes: the reader does not advance");
        }
    }

    /// <summary>A WebM/Matroska file as the recorder reopens it after a crash (EBML, RFC 8794): scan, never throw.</summary>
    public static void Matroska(byte[] data)
    {
        using var stream = new MemoryStream(data, writable: false);
        MatroskaScanner.TryScan(stream, out _, out _);
    }
}
