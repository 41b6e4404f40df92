using System.Security.Cryptography;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;
using MediaCore.Routing;
using MediaCore.Server.Sessions;
using SdpMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Cluster;

/// <summary>
/// RTCP across a <see cref="RelayLink"/>, both ways. From the peer: NACK and PLI for the tracks this node sends reach their
/// consumers, layer demands (RTCP APP "MCLD") set their simulcast layer, receiver reports give the link's RTT and loss, sender
/// reports put the inbound tracks on the wall clock. To the peer: the inbound producers' NACKs and key-frame requests, and
/// every second sender reports, receiver reports (also the link's keep-alive) and the layer demand of this node's receivers.
/// Used only under <see cref="MediaEngine.Gate"/>.
/// </summary>
internal sealed class RelayFeedback : IKeyFrameRequester, IRetransmissionRequester
{
    private static readonly TimeSpan MinRtt = TimeSpan.FromMilliseconds(1), MaxRtt = TimeSpan.FromSeconds(2);

    private readonly RelayLink _link;
    private readonly NtpClock _ntp;
    private readonly uint _localSsrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);

    public RelayFeedback(RelayLink link, long nowTicks)
    {
        _link = link;
        _ntp = new NtpClock(DateTimeOffset.UtcNow, nowTicks);
    }

    // ---------------- from the peer ----------------

    public void OnRtcp(long nowTicks, in RtcpPacket packet)
    {
        switch (packet.PacketType)
        {
            case RtcpPacketType.SenderReport when SenderReport.TryParse(packet.Raw, out var sr):
                if (_link.Inbound.Find(sr.Ssrc) is { } inTrack)
                {
                    inTrack.Stats.OnSenderReport(nowTicks, sr.NtpTimestamp);
                    inTrack.Room.Router.OnSenderReport(inTrack.Producer, new Ssrc(sr.Ssrc), sr.NtpTimestamp, new RtpTimestamp(sr.RtpTimestamp));
                }
                break;
            case RtcpPacketType.ReceiverReport when ReceiverReport.TryParse(packet.Raw, out var rr):
                OnReceiverReport(nowTicks, rr);
                break;
            case RtcpPacketType.TransportFeedback when packet.Format == RtcpFeedbackFormat.GenericNack:
                _link.NacksReceived++;
                if (GenericNack.TryParse(packet.Raw, out var nack) && _link.Outbound.Find(nack.MediaSsrc) is { } nacked)
                {
                    for (int i = 0; i < nack.ItemCount; i++)
                    {
                        var item = nack.GetItem(i);
                        nacked.Consumer.OnNack(nowTicks, item.PacketId, item.LostBitmask);
                    }
                }
                break;
            case RtcpPacketType.ApplicationDefined when LayerDemandPacket.TryParse(packet.Raw, out var demand):
                _link.DemandsReceived++;
                for (int i = 0; i < demand.Count; i++)
                {
                    var item = demand.GetItem(i);
                    if (_link.Outbound.Find(item.MediaSsrc) is { Consumer: SimulcastConsumer simulcast })
                        simulcast.SetDemand(nowTicks, item.Bitrate, item.MinimumLayer);
                }
                break;
            case RtcpPacketType.PayloadFeedback when packet.Format == RtcpFeedbackFormat.PictureLossIndication:
                _link.PlisReceived++;
                if (PictureLossIndication.TryParse(packet.Raw, out var pli) && _link.Outbound.Find(pli.MediaSsrc) is { } wanted)
                    wanted.Consumer.RequestKeyFrame(nowTicks);
                break;
        }
    }

    private void OnReceiverReport(long nowTicks, in ReceiverReport rr)
    {
        uint arrival = NtpTime.ToCompact(_ntp.ToNtp(nowTicks));
        foreach (var block in rr.ReportBlocks)
        {
            if (_link.Outbound.Find(block.Ssrc) is null) continue;
            _link.LossOut = block.FractionLost / 256.0;
            if (block.LastSr == 0 || !NtpTime.TryComputeRtt(arrival, block.LastSr, block.DelaySinceLastSr, out long rttTicks)) continue;
            var rtt = TimeSpan.FromTicks(Math.Clamp(rttTicks, MinRtt.Ticks, MaxRtt.Ticks));
            _link.RoundTripTime = rtt;
            foreach (var t in _link.Outbound.Tracks) t.Consumer.RoundTripTime = rtt;
            foreach (var t in _link.Inbound.Tracks) t.Producer.RoundTripTime = rtt;
        }
    }

    // ---------------- to the peer ----------------

    /// <summary>An inbound producer needs a key frame: PLI on the link.</summary>
    public void RequestKeyFrame(Producer producer, Ssrc mediaSsrc)
    {
        _link.SendRtcp(new PictureLossIndication(_localSsrc, mediaSsrc.Value).WriteTo(_link.RtcpBuffer));
        _link.PlisSent++;
    }

    /// <summary>The router found packets of an inbound producer missing: generic NACK on the link.</summary>
    public void RequestRetransmission(Producer producer, Ssrc mediaSsrc, ReadOnlySpan<ushort> sequenceNumbers)
    {
        Span<NackItem> items = stackalloc NackItem[16];
        int count = NackItem.Pack(sequenceNumbers, items);
        if (count == 0) return;
        _link.SendRtcp(new GenericNackWriter(_localSsrc, mediaSsrc.Value, items[..count]).WriteTo(_link.RtcpBuffer));
        _link.NacksSent++;
    }

    /// <summary>The one-second reports: sender reports for outbound tracks; receiver reports and layer demand for inbound ones.</summary>
    public void SendReports(long nowTicks)
    {
        ulong ntp = _ntp.ToNtp(nowTicks);
        foreach (var t in _link.Outbound.Tracks)
        {
            if (!t.Consumer.TryGetSenderInfo(nowTicks, out var ts, out uint packets, out uint octets)) continue;
            _link.SendRtcp(new SenderReportWriter(t.Consumer.Ssrc.Value, new SenderInfo(ntp, ts.Value, packets, octets)).WriteTo(_link.RtcpBuffer));
        }
        if (_link.Inbound.Count == 0) return;
        Span<ReportBlock> blocks = stackalloc ReportBlock[16];
        int count = 0;
        foreach (var t in _link.Inbound.Tracks)
        {
            if (count < blocks.Length && t.Stats.TryCreateReportBlock(nowTicks, out var block)) blocks[count++] = block;
        }
        _link.SendRtcp(new ReceiverReportWriter(_localSsrc, blocks[..count]).WriteTo(_link.RtcpBuffer));
        SendLayerDemands();
    }

    /// <summary>
    /// Bandwidth feedback across the link, every second: for each inbound video track, what this node's receivers of it need
    /// (the best-connected bandwidth-following one's estimate from its REMB, the highest pinned layer; a child link's own
    /// demand counts like a receiver, so a need deep in the tree reaches the origin), so the origin sends the highest layer any
    /// of them needs and no more. A room being recorded here needs the top layer.
    /// </summary>
    private void SendLayerDemands()
    {
        Span<LayerDemandItem> items = stackalloc LayerDemandItem[LayerDemandPacket.MaxItems];
        int count = 0;
        foreach (var t in _link.Inbound.Tracks)
        {
            if (t.Producer.Kind != SdpMediaKind.Video || !TryComputeDemand(t, out var item)) continue;
            items[count++] = item;
            if (count < items.Length) continue;
            _link.SendRtcp(new LayerDemandWriter(_localSsrc, items).WriteTo(_link.RtcpBuffer));
            _link.DemandsSent++;
            count = 0;
        }
        if (count == 0) return;
        _link.SendRtcp(new LayerDemandWriter(_localSsrc, items[..count]).WriteTo(_link.RtcpBuffer));
        _link.DemandsSent++;
    }

    private bool TryComputeDemand(RelayInbound.Track t, out LayerDemandItem item)
    {
        long bitrate = 0;
        int floor = -1;
        bool any = false;
        foreach (var c in t.Room.Router.Consumers)
        {
            if (c.IsClosed || c.Source != t.Producer) continue;
            any = true;
            if (c is not SimulcastConsumer s) floor = int.MaxValue; // a plain consumer takes whatever comes: give it the best
            else if (s.PreferredLayer is { } pinned) floor = Math.Max(floor, pinned);
            else
            {
                bitrate = Math.Max(bitrate, s.AvailableBitrate);
                if (s.MinimumLayer is { } minimum) floor = Math.Max(floor, minimum);
            }
        }
        if (_link.Engine.Recordings?.ActiveId(t.Room.Id) is not null)
        {
            any = true;
            floor = int.MaxValue;
        }
        item = new LayerDemandItem(t.Dto.Ssrc, (uint)Math.Min(bitrate, uint.MaxValue), floor < 0 ? null : Math.Min(floor, 254));
        return any;
    }
}
