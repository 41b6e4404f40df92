using MediaCore.Routing.Audio;

namespace MediaCore.Server.Mixing;

/// <summary>
/// Something that receives a room's mix: a WHEP session's audio track (<see cref="MixReceiver"/>) or a SIP
/// terminal (<see cref="Sip.SipCallMedia"/>). Called under the media lock from the mixer's tick.
/// </summary>
internal interface IMixListener
{
    /// <summary>Its participant in the mixer (its N-1 mix while it speaks).</summary>
    MixParticipant Participant { get; set; }

    /// <summary>The last frame it was sent (the shared frame skips listeners that got their N-1 frame).</summary>
    long LastFrameIndex { get; }

    void Send(long nowTicks, in MixFrame frame);

    /// <summary>RTCP sender reports, if the listener sends any.</summary>
    void MaybeSendReport(long nowTicks);
}
