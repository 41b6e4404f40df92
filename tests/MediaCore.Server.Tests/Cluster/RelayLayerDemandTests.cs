using System.Net;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;
using MediaCore.Server.Cluster;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Timers;
using MediaCore.Server.Udp;
using Microsoft.Extensions.Logging.Abstractions;
using SdpMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Tests.Cluster;

/// <summary>
/// Simulcast across a relay link: the origin sends the highest layer any receiver on the other node needs, from the layer
/// demand (bandwidth and pinned layer of that node's receivers) that crosses the link as SRTCP every second. Two engines
/// in one process, their datagrams handed across by the test, in virtual time.
/// </summary>
// Node ids ("county", "town-1") label the process-wide relay metrics: cluster tests run one at a time.
[Collection("cluster")]
public sealed class RelayLayerDemandTests
{
    private static readonly long Ms = TimeSpan.TicksPerMillisecond;
    private static readonly PeerAddress CountyAddress = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 41001));
    private static readonly PeerAddress TownAddress = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 41002));

    /// <summary>Keeps what an engine sends; <see cref="DeliverTo"/> hands it to the other engine as if from this one's address.</summary>
    private sealed class Wire(PeerAddress self) : IDatagramSender
    {
        private readonly List<byte[]> _queue = [];
        public bool Send(ReadOnlySpan<byte> datagram, PeerAddress to)
        {
            lock (_queue) _queue.Add(datagram.ToArray());
            return true;
        }

        public void DeliverTo(MediaEngine engine, long nowTicks)
        {
            byte[][] batch;
            lock (_queue)
            {
                batch = [.. _queue];
                _queue.Clear();
            }
            foreach (var d in batch) engine.OnDatagram(nowTicks, d, self);
        }
    }

    private sealed class Sink : IRtpSink
    {
        public int Packets;
        public void SendRtp(Span<byte> buffer, int length) => Packets++;
    }

    private static MediaEngine Engine(Wire wire)
    {
        var clock = new MediaClock();
        var timers = new TimerWheel(TimeSpan.FromMilliseconds(10).Ticks, startTicks: clock.NowTicks);
        return new MediaEngine(new MediaServerOptions { TokenSecret = new string('x', 40) }, wire, 40000, timers, clock, NullLogger<MediaEngine>.Instance);
    }

    // One single-packet VP8 frame (RFC 7741 descriptor with picture id) of `size` bytes on `ssrc`.
    internal static byte[] Vp8(uint ssrc, ushort seq, uint timestamp, ushort pictureId, bool key, int size)
    {
        var payload = new byte[size];
        payload[0] = 0x90;                              // X=1 S=1 PID=0
        payload[1] = 0x80;                              // I=1
        payload[2] = (byte)(0x80 | (pictureId >> 8));   // M=1
        payload[3] = (byte)pictureId;
        payload[4] = key ? (byte)0x10 : (byte)0x11;     // VP8 payload header: P=0 key frame
        var w = new RtpPacketWriter { PayloadType = new PayloadType(96), SequenceNumber = seq, Timestamp = new RtpTimestamp(timestamp), Ssrc = new Ssrc(ssrc), Marker = true, Payload = payload };
        var bytes = new byte[w.GetSerializedSize()];
        w.WriteTo(bytes);
        return bytes;
    }

    [Fact]
    public void LayerDemand_FromTheTownsReceivers_OriginSendsTheHighestLayerAnyOfThemNeeds()
    {
        var countyWire = new Wire(CountyAddress);
        var townWire = new Wire(TownAddress);
        var county = Engine(countyWire);
        var town = Engine(townWire);
        long now = county.Clock.NowTicks;
        var room = RoomId.Parse("plenary");
        uint[] layerSsrcs = [0x1000, 0x2000, 0x3000];
        int[] frameBytes = [150, 600, 1150];           // ~36, ~144, ~276 kb/s at 30 fps (one packet per frame)
        Producer camera;
        RelayLink countyLink, townLink;
        IReadOnlyList<RelayTrackDto> tracks;
        lock (county.Gate)
        {
            camera = county.GetOrCreateRoom(room).Router.CreateProducer(now, new ProducerOptions
            {
                Id = "host-video", ParticipantId = "county-host", Kind = SdpMediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
                PayloadType = new PayloadType(96),
                Encodings = [.. layerSsrcs.Select((s, i) => new ProducerEncodingOptions { Ssrc = s, Rid = $"r{i}" })],
            });
            countyLink = county.GetOrCreateRelayLink("county", "town-1", TownAddress, now);
        }
        lock (town.Gate) townLink = town.GetOrCreateRelayLink("town-1", "county", CountyAddress, now);
        lock (county.Gate)
        {
            countyLink.SetRemoteKey(townLink.LocalKey, 1);
            tracks = countyLink.SyncOutbound(now, room.Value, county.FindRoom(room));
        }
        Producer relayed;
        lock (town.Gate)
        {
            townLink.SetRemoteKey(countyLink.LocalKey, 1);
            var townRoom = town.GetOrCreateRoom(room);
            townLink.SyncInbound(now, townRoom, tracks);
            relayed = townRoom.Router.Producers.Single();
        }

        // A village on a thin line: its REMB share is 100 kb/s (layer 0 fits, layer 1 does not).
        SimulcastConsumer Village(string id, long bitrate)
        {
            lock (town.Gate)
            {
                var c = town.FindRoom(room)!.Router.CreateSimulcastConsumer(now, new ConsumerOptions
                {
                    Id = id, ParticipantId = id, Kind = SdpMediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
                    Ssrc = new Ssrc((uint)id.GetHashCode() | 1), PayloadType = new PayloadType(96), Extensions = new RtpExtensionMap(),
                }, new Sink(), relayed);
                c.SetAvailableBitrate(now, bitrate);
                return c;
            }
        }
        var thin = Village("site:11", 100_000);

        ushort seq = 1, pictureId = 1;
        uint ts = 90000;
        long nextReport = now + TimeSpan.TicksPerSecond;
        int frame = 0;
        int? LinkLayer()
        {
            lock (county.Gate) return countyLink.OutboundStats().Single().Layer;
        }
        void Run(int seconds)
        {
            for (int i = 0; i < seconds * 30; i++, frame++)
            {
                now += 33 * Ms;
                lock (county.Gate)
                {
                    // Every layer sends a frame; a key frame on each once a second.
                    for (int l = 0; l < 3; l++)
                        county.FindRoom(room)!.Router.OnRtp(now, camera, Vp8(layerSsrcs[l], (ushort)(seq + l * 10000), ts, pictureId, frame % 30 == 0, frameBytes[l]));
                }
                seq++;
                pictureId++;
                ts += 3000;
                countyWire.DeliverTo(town, now);
                if (now >= nextReport)
                {
                    // The links' one-second timers: sender reports out of the county, receiver reports + layer demand out of the town.
                    countyLink.HandleTimeout(now);
                    townLink.HandleTimeout(now);
                    nextReport = now + TimeSpan.TicksPerSecond;
                }
                townWire.DeliverTo(county, now);
                countyWire.DeliverTo(town, now);
            }
        }

        Run(4);
        Assert.Equal((int?)0, LinkLayer());
        Assert.True(townLink.DemandsSent >= 2 && countyLink.DemandsReceived >= 2, $"demands sent {townLink.DemandsSent}, received {countyLink.DemandsReceived}");
        Assert.Equal((long?)100_000, countyLink.OutboundStats().Single().DemandBitrate);
        Assert.True(townLink.PacketsIn > 0);

        // A well-connected village joins: the link goes up to the top layer (at its next key frame).
        var wide = Village("site:12", 5_000_000);
        Run(3);
        Assert.Equal((int?)2, LinkLayer());

        // It leaves; the thin village pins layer 1 (the host's thumbnail choice): the link carries layer 1, no more.
        lock (town.Gate)
        {
            wide.Close();
            thin.SetPreferredLayer(now, 1);
        }
        Run(3);
        Assert.Equal((int?)1, LinkLayer());
        Assert.Equal((int?)1, countyLink.OutboundStats().Single().DemandMinLayer);
        long before = townLink.PacketsIn;
        Run(1);
        Assert.True(townLink.PacketsIn - before >= 25, "the town keeps receiving the track");
    }
}
