namespace MediaCore.Routing;

/// <summary>
/// Program video for one subscriber (WHEP audience, observer, village terminal): the subscriber has K
/// video consumers ("slots"); slot 0 carries the program (a pinned producer, else the current speaker's
/// video, else the host's), the other slots the next publishers in publish order. Slots keep their source
/// while it stays eligible, so a floor change moves as few streams as possible. When a producer leaves
/// and another publishes, the affected slots switch to the new source at its next key frame, without SDP
/// renegotiation (the consumer's SSRC, payload type and sequence space stay the same).
/// A content selector (slots of RFC 4796 <c>a=content:slides</c> m-lines) ranks only screen/courseware shares,
/// the newest share first; a program selector never takes a share.
/// </summary>
public sealed class ProgramSelector
{
    private readonly Router _router;
    private readonly Consumer[] _slots;
    private readonly List<Producer> _ranked = [];
    private readonly List<Producer> _rest = [];
    private readonly Comparison<Producer> _compare;

    internal ProgramSelector(Router router, IReadOnlyList<Consumer> slots, string? excludeParticipantId)
    {
        _router = router;
        _slots = [.. slots];
        ExcludeParticipantId = excludeParticipantId;
        _compare = Compare;
    }

    /// <summary>The consumers this selector feeds; slot 0 is the program.</summary>
    public IReadOnlyList<Consumer> Slots => _slots;
    /// <summary>A participant never shown to this subscriber (the subscriber itself).</summary>
    public string? ExcludeParticipantId { get; }
    /// <summary>When set, only this participant's producers are eligible (a patrol cell watching one site); null: the program.</summary>
    public string? FixedParticipantId { get; private set; }

    /// <summary>Fixes the selection to one participant's producers (null: back to the program) and re-assigns sources.</summary>
    public void SetFixedParticipant(long nowTicks, string? participantId)
    {
        FixedParticipantId = participantId;
        Refresh(nowTicks);
    }

    /// <summary>Re-assigns sources from the router's producers and program floor (no allocation in steady state).</summary>
    public void Refresh(long nowTicks)
    {
        if (_slots.Length == 0) return;
        Rank();
        // Slot 0 always follows the top-ranked producer.
        Producer? program = _ranked.Count > 0 ? _ranked[0] : null;
        if (_slots[0].Source != program) _slots[0].SetSource(nowTicks, program);

        // The other slots: keep a source that is still among the next K-1, then fill in rank order.
        int others = _slots.Length - 1;
        _rest.Clear();
        for (int i = 1; i < _ranked.Count && _rest.Count < others; i++) _rest.Add(_ranked[i]);
        for (int s = 1; s < _slots.Length; s++)
        {
            var src = _slots[s].Source;
            if (src != null && _rest.Remove(src)) continue;
            if (src != null) _slots[s].SetSource(nowTicks, null);
        }
        for (int s = 1; s < _slots.Length; s++)
        {
            if (_slots[s].Source != null) continue;
            for (int i = 0; i < _rest.Count; i++)
            {
                if (!_slots[s].SetSource(nowTicks, _rest[i])) continue; // slot of another codec
                _rest.RemoveAt(i);
                break;
            }
        }
    }

    // Orders eligible producers: pinned, current speaker's, host's, then everyone else by publish order.
    private void Rank()
    {
        _ranked.Clear();
        var kind = _slots[0].Kind;
        var codec = _slots[0].Codec;
        bool content = _slots[0].IsContent;
        var producers = _router.Producers;
        for (int i = 0; i < producers.Count; i++)
        {
            var p = producers[i];
            if (p.IsClosed || p.Kind != kind || p.Codec != codec || p.IsContent != content) continue;
            if (FixedParticipantId != null ? p.ParticipantId != FixedParticipantId
                    : ExcludeParticipantId != null && p.ParticipantId == ExcludeParticipantId) continue;
            _ranked.Add(p);
        }
        _ranked.Sort(_compare);
    }

    private int Compare(Producer a, Producer b)
    {
        if (_slots[0].IsContent) return b.CreatedSequence.CompareTo(a.CreatedSequence); // the newest share leads
        int ra = RankOf(a), rb = RankOf(b);
        return ra != rb ? ra.CompareTo(rb) : a.CreatedSequence.CompareTo(b.CreatedSequence);
    }

    private int RankOf(Producer p)
    {
        if (_router.PinnedProducer == p) return 0;
        if (_router.SpeakerParticipantId != null && p.ParticipantId == _router.SpeakerParticipantId) return 1;
        if (_router.HostParticipantId != null && p.ParticipantId == _router.HostParticipantId) return 2;
        return 3;
    }
}
