using System.Diagnostics.CodeAnalysis;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing;

/// <summary>
/// One meeting room's SFU: producers (published tracks), consumers (subscriptions) and program selectors.
/// Sans-IO and single-threaded: the host feeds packets with <see cref="OnRtp"/> from one thread (or queue)
/// per room, and the router calls back synchronously into <see cref="IRtpSink"/> and
/// <see cref="IKeyFrameRequester"/>. Per packet it allocates nothing.
/// </summary>
public sealed class Router
{
    /// <summary>Writable bytes guaranteed after every packet handed to <see cref="IRtpSink.SendRtp"/> (SRTP tag, MKI).</summary>
    public const int SinkSpareBytes = 64;

    private readonly RouterOptions _options;
    private readonly PacketBufferPool _pool;
    private readonly byte[] _scratch;
    private readonly byte[] _receiveScratch;
    private readonly List<Producer> _producers = [];
    private readonly List<Consumer> _consumers = [];
    private readonly List<ProgramSelector> _selectors = [];
    private IProducerRtpObserver[] _observers = [];
    private long _producerSequence;

    public Router(RouterOptions? options = null)
    {
        _options = options ?? new RouterOptions();
        _pool = new PacketBufferPool(_options.MaxPacketSize);
        // Output: the packet, a consumer's extension block (bounded by the writer), RTX OSN, SRTP tag.
        _scratch = new byte[_options.MaxPacketSize + 1024 + SinkSpareBytes];
        _receiveScratch = new byte[_options.MaxPacketSize];
        KeyFrameIntervalTicks = _options.KeyFrameRequestInterval.Ticks;
    }

    public RouterOptions Options => _options;
    public IReadOnlyList<Producer> Producers => _producers;
    public IReadOnlyList<Consumer> Consumers => _consumers;
    /// <summary>Program floor: the host's participant id (its video leads program selection after a pin and the speaker).</summary>
    public string? HostParticipantId { get; private set; }
    /// <summary>Program floor: the current speaker's participant id.</summary>
    public string? SpeakerParticipantId { get; private set; }
    /// <summary>Program floor: a producer the host pinned as program video.</summary>
    public Producer? PinnedProducer { get; private set; }

    internal long KeyFrameIntervalTicks { get; }
    internal Span<byte> Scratch => _scratch;
    /// <summary>Packet buffers idle in the router's pool (for metrics).</summary>
    public int PooledBuffers => _pool.FreeCount;

    /// <summary>
    /// Adds a published track. Program selectors re-run, so subscribers waiting for video (or whose
    /// source left) take the new producer at its first key frame.
    /// </summary>
    public Producer CreateProducer(long nowTicks, ProducerOptions options)
    {
        foreach (var p in _producers)
            if (p.Id == options.Id) throw new InvalidOperationException($"Producer '{options.Id}' exists.");
        var producer = new Producer(this, options, _pool, _options, ++_producerSequence);
        _producers.Add(producer);
        RefreshSelectors(nowTicks);
        return producer;
    }

    /// <summary>
    /// Closes a producer: its consumers lose it as source (program selectors then pick another source, which
    /// takes over at its next key frame without renegotiation) and its cached packets are released.
    /// </summary>
    public void RemoveProducer(long nowTicks, Producer producer)
    {
        if (producer.Router != this || producer.IsClosed) return;
        producer.IsClosed = true;
        _producers.Remove(producer);
        foreach (var c in producer.Consumers) c.OnProducerClosed(producer);
        foreach (var c in _consumers)
            if (c.Source == producer) c.OnProducerClosed(producer);
        if (PinnedProducer == producer) PinnedProducer = null;
        foreach (var e in producer.Encodings) e.Cache.Clear();
        RefreshSelectors(nowTicks);
    }

    /// <summary>Creates a consumer forwarding <paramref name="source"/> (may be null, set later with <see cref="Consumer.SetSource"/>).</summary>
    public Consumer CreateConsumer(long nowTicks, ConsumerOptions options, IRtpSink sink, Producer? source = null)
        => Add(nowTicks, new Consumer(this, options, sink), source);

    /// <summary>Creates a consumer that picks simulcast layers by bandwidth (see <see cref="SimulcastConsumer"/>).</summary>
    public SimulcastConsumer CreateSimulcastConsumer(long nowTicks, ConsumerOptions options, IRtpSink sink, Producer? source = null)
        => Add(nowTicks, new SimulcastConsumer(this, options, sink), source);

    private T Add<T>(long nowTicks, T consumer, Producer? source) where T : Consumer
    {
        _consumers.Add(consumer);
        if (source != null) consumer.SetSource(nowTicks, source);
        return consumer;
    }

    /// <summary>Closes and removes a consumer (same as <see cref="Consumer.Close"/>).</summary>
    public void RemoveConsumer(Consumer consumer) => consumer.Close();

    internal void OnConsumerClosed(Consumer consumer) => _consumers.Remove(consumer);

    /// <summary>
    /// Creates a program selector for a subscriber's video consumers (slot 0 gets the program, see
    /// <see cref="ProgramSelector"/>) and assigns sources right away.
    /// </summary>
    public ProgramSelector CreateProgramSelector(long nowTicks, IReadOnlyList<Consumer> slots, string? excludeParticipantId = null)
    {
        var selector = new ProgramSelector(this, slots, excludeParticipantId);
        _selectors.Add(selector);
        selector.Refresh(nowTicks);
        return selector;
    }

    public void RemoveProgramSelector(ProgramSelector selector) => _selectors.Remove(selector);

    /// <summary>
    /// Sets the room's program floor and re-runs every program selector: a pinned producer first, then the
    /// current speaker's video, then the host's, then other publishers in publish order.
    /// </summary>
    public void SetProgramFloor(long nowTicks, string? hostParticipantId, string? speakerParticipantId, Producer? pinned = null)
    {
        HostParticipantId = hostParticipantId;
        SpeakerParticipantId = speakerParticipantId;
        PinnedProducer = pinned is { IsClosed: false } && pinned.Router == this ? pinned : null;
        RefreshSelectors(nowTicks);
    }

    /// <summary>Re-runs program selection (creating and removing producers does it automatically).</summary>
    public void RefreshSelectors(long nowTicks)
    {
        foreach (var s in _selectors) s.Refresh(nowTicks);
    }

    /// <summary>Adds a tap that sees every accepted producer packet (audio mixer, recorder, relay).</summary>
    public void AddObserver(IProducerRtpObserver observer) => _observers = [.. _observers, observer];

    public void RemoveObserver(IProducerRtpObserver observer)
        => _observers = Array.FindAll(_observers, o => !ReferenceEquals(o, observer));

    /// <summary>
    /// One RTP packet (already SRTP-unprotected) from <paramref name="producer"/>'s transport. Identifies
    /// the encoding, repairs RTX (RFC 4588 §4) into the original, drops duplicates, caches it for NACKs,
    /// detects key frames, and forwards it to every consumer of the producer, rewritten per consumer.
    /// Returns false when the packet was dropped (malformed, unknown stream, duplicate, probe).
    /// </summary>
    public bool OnRtp(long nowTicks, Producer producer, ReadOnlySpan<byte> datagram)
    {
        if (producer.IsClosed || producer.Router != this) return false;
        if (datagram.Length > _options.MaxPacketSize || !RtpPacket.TryParse(datagram, out var incoming))
        {
            producer.CountDiscarded();
            return false;
        }
        var encoding = producer.ResolveEncoding(nowTicks, incoming, out bool isRtx);
        if (encoding == null)
        {
            producer.CountDiscarded();
            return false;
        }
        ushort wireSeq;
        if (isRtx)
        {
            // An RTX packet without OSN is a bandwidth probe (RFC 4588 §4 allows padding-only packets).
            if (!RtxPacket.TryReadOriginalSequenceNumber(incoming, out wireSeq) || encoding.Ssrc is not { } mediaSsrc)
            {
                producer.CountReceived(datagram.Length, rtx: true);
                return false;
            }
        }
        else
        {
            wireSeq = incoming.SequenceNumber;
        }

        var seq = isRtx ? encoding.PeekUnwrap(wireSeq) : encoding.Unwrap(wireSeq);
        if (encoding.Cache.Contains(seq))
        {
            producer.CountDuplicate();
            return false;
        }
        var slot = encoding.Cache.BeginStore(nowTicks, seq);
        bool cached = !slot.IsEmpty;
        if (!cached) slot = _receiveScratch;
        int length;
        if (isRtx)
        {
            if (!RtxPacket.TryUnwrap(datagram, slot, producer.PayloadType, encoding.Ssrc!.Value, out length))
                return false;
        }
        else
        {
            datagram.CopyTo(slot);
            length = datagram.Length;
        }
        if (cached) encoding.Cache.Commit(seq, length);
        // The datagram parsed before it was copied into the slot, so it parses again.
        _ = RtpPacket.TryParse(slot[..length], out var packet);

        var src = new SourcePacket(producer, packet, seq);
        if (src.KeyFrame) ReadFrameSize(producer.Codec, encoding, packet.Payload);
        producer.CountReceived(datagram.Length, isRtx);
        encoding.OnPacket(nowTicks, seq, packet.Timestamp.Value, length, src.KeyFrame, isRtx);
        encoding.DetectLoss(nowTicks, seq, KeyFrameIntervalTicks);

        foreach (var observer in _observers) observer.OnRtp(nowTicks, producer, encoding, packet);
        foreach (var consumer in producer.Consumers)
            consumer.OnProducerPacket(nowTicks, encoding, src, _scratch);
        return true;
    }

    /// <summary>
    /// Asks <paramref name="producer"/>'s publisher for a key frame of the encoding sent with
    /// <paramref name="ssrc"/>, throttled like subscribers' PLIs (<see cref="RouterOptions.KeyFrameRequestInterval"/>
    /// per encoding), so loss detection on the publisher's stream and hundreds of subscribers' PLIs together
    /// make at most one request per interval. False when throttled or the SSRC is unknown.
    /// </summary>
    public bool RequestKeyFrame(long nowTicks, Producer producer, Ssrc ssrc)
    {
        foreach (var e in producer.Encodings)
        {
            if (e.Ssrc == ssrc) return e.RequestKeyFrame(nowTicks, KeyFrameIntervalTicks);
        }
        return false;
    }

    /// <summary>
    /// Finds the producer encoding that uses <paramref name="ssrc"/> as media or RTX SSRC (learned SSRCs
    /// included), e.g. to route a publisher's RTCP sender report. A linear scan: for RTCP rates, not per packet.
    /// </summary>
    public bool TryFindEncoding(Ssrc ssrc, [NotNullWhen(true)] out ProducerEncoding? encoding)
    {
        foreach (var p in _producers)
        {
            foreach (var e in p.Encodings)
            {
                if (e.Ssrc == ssrc || e.RtxSsrc == ssrc)
                {
                    encoding = e;
                    return true;
                }
            }
        }
        encoding = null;
        return false;
    }

    /// <summary>
    /// Finds the consumer sending with <paramref name="ssrc"/> (media or RTX), e.g. to route a subscriber's
    /// NACK or PLI. A linear scan: a transport that keeps its own consumers should look there first.
    /// </summary>
    public bool TryFindConsumer(Ssrc ssrc, [NotNullWhen(true)] out Consumer? consumer)
    {
        foreach (var c in _consumers)
        {
            if (c.Ssrc == ssrc || c.RtxSsrc == ssrc)
            {
                consumer = c;
                return true;
            }
        }
        consumer = null;
        return false;
    }

    /// <summary>
    /// An RTCP sender report (RFC 3550 §6.4.1) from <paramref name="producer"/>'s publisher for
    /// <paramref name="ssrc"/>. With reports for its simulcast layers, consumers align timestamps across a
    /// layer switch by capture time (the layers share one capture clock but have unrelated RTP offsets),
    /// which keeps lip sync exact; without them the router estimates from arrival times.
    /// </summary>
    public void OnSenderReport(Producer producer, Ssrc ssrc, ulong ntpTimestamp, RtpTimestamp rtpTimestamp)
    {
        foreach (var e in producer.Encodings)
        {
            if (e.Ssrc == ssrc)
            {
                e.OnSenderReport(ntpTimestamp, rtpTimestamp.Value);
                return;
            }
        }
    }

    private static void ReadFrameSize(CodecKind codec, ProducerEncoding encoding, ReadOnlySpan<byte> payload)
    {
        int w = 0, h = 0;
        bool ok = codec switch
        {
            CodecKind.Vp8 => Vp8PayloadDescriptor.TryGetKeyFrameSize(payload, out w, out h),
            CodecKind.H264 => H264Packetization.TryGetResolution(payload, out w, out h),
            _ => false,
        };
        if (!ok) return;
        encoding.FrameWidth = w;
        encoding.FrameHeight = h;
    }
}
