using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using static MediaCore.Routing.Tests.Setup;

namespace MediaCore.Routing.Tests;

public class ProgramSelectorTests
{
    [Fact]
    public void Refresh_HostThenSpeaker_Slot0FollowsProgram()
    {
        var router = new Router();
        var host = router.CreateProducer(0, Video("host-v", 1, null, participant: "host"));
        var v1 = router.CreateProducer(0, Video("v1", 2, null, participant: "village1"));
        var v2 = router.CreateProducer(0, Video("v2", 3, null, participant: "village2"));
        var slots = new[] { router.CreateConsumer(0, VideoConsumer("s0"), new RecordingSink()),
                            router.CreateConsumer(0, VideoConsumer("s1"), new RecordingSink()) };
        router.SetProgramFloor(0, hostParticipantId: "host", speakerParticipantId: null);
        var selector = router.CreateProgramSelector(0, slots, excludeParticipantId: "viewer");

        Assert.Same(host, slots[0].Source);
        Assert.Same(v1, slots[1].Source);

        router.SetProgramFloor(0, "host", speakerParticipantId: "village2");
        Assert.Same(v2, slots[0].Source);
        Assert.Same(host, slots[1].Source);

        router.SetProgramFloor(0, "host", "village2", pinned: v1);
        Assert.Same(v1, slots[0].Source);
        Assert.Same(v2, slots[1].Source);
        Assert.Equal(2, selector.Slots.Count);
    }

    [Fact]
    public void Refresh_ContentShare_OnlyInContentSlotsNewestFirst_NeverInTheProgram()
    {
        var router = new Router();
        var camera = router.CreateProducer(0, Video("lecturer-v", 1, null, participant: "lecturer"));
        var program = router.CreateConsumer(0, VideoConsumer("s0"), new RecordingSink());
        var second = router.CreateConsumer(0, VideoConsumer("s1"), new RecordingSink());
        var content = router.CreateConsumer(0, ContentConsumer("c0"), new RecordingSink());
        router.SetProgramFloor(0, hostParticipantId: "lecturer", speakerParticipantId: null);
        router.CreateProgramSelector(0, [program, second], excludeParticipantId: "village1");
        router.CreateProgramSelector(0, [content], excludeParticipantId: "village1");
        Assert.Same(camera, program.Source);
        Assert.Null(content.Source); // nobody shares yet

        var slides = router.CreateProducer(0, Content("lecturer-slides", 2, "lecturer"));
        Assert.Same(camera, program.Source);  // a share never takes the program...
        Assert.Null(second.Source);           // ...nor another camera slot
        Assert.Same(slides, content.Source);  // it goes to the content slot

        var screen = router.CreateProducer(0, Content("expert2-screen", 3, "expert2"));
        Assert.Same(screen, content.Source);  // the newest share leads
        router.RemoveProducer(0, screen);
        Assert.Same(slides, content.Source);
    }

    private static ProducerOptions Content(string id, uint ssrc, string participant) => new()
    {
        Id = id, ParticipantId = participant, Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
        PayloadType = new PayloadType(96), IsContent = true, Encodings = [new ProducerEncodingOptions { Ssrc = ssrc }],
    };

    private static ConsumerOptions ContentConsumer(string id) => new()
    {
        Id = id, ParticipantId = "village1", Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000, Ssrc = new Ssrc(0x6000),
        PayloadType = new PayloadType(100), IsContent = true,
    };

    [Fact]
    public void SetFixedParticipant_PatrolCell_FollowsThatParticipantOnlyThenProgramAgain()
    {
        var router = new Router();
        var host = router.CreateProducer(0, Video("host-v", 1, null, participant: "host"));
        router.CreateProducer(0, Video("v1", 2, null, participant: "village1"));
        var slot = router.CreateConsumer(0, VideoConsumer("s0"), new RecordingSink());
        router.SetProgramFloor(0, hostParticipantId: "host", speakerParticipantId: null);
        var selector = router.CreateProgramSelector(0, [slot], excludeParticipantId: "patrol");

        selector.SetFixedParticipant(0, "village2");
        Assert.Null(slot.Source); // not publishing yet: the cell waits rather than showing someone else
        var v2 = router.CreateProducer(0, Video("v2", 3, null, participant: "village2"));
        Assert.Same(v2, slot.Source);
        router.SetProgramFloor(0, "host", speakerParticipantId: "village1");
        Assert.Same(v2, slot.Source); // the floor does not move a fixed cell

        selector.SetFixedParticipant(0, null);
        router.SetProgramFloor(0, "host", speakerParticipantId: null);
        Assert.Same(host, slot.Source);
    }

    [Fact]
    public void Refresh_ExcludesSubscribersOwnVideo()
    {
        var router = new Router();
        router.CreateProducer(0, Video("mine", 1, null, participant: "me"));
        var other = router.CreateProducer(0, Video("other", 2, null, participant: "you"));
        var slot = router.CreateConsumer(0, VideoConsumer("s0"), new RecordingSink());
        router.CreateProgramSelector(0, [slot], excludeParticipantId: "me");
        Assert.Same(other, slot.Source);
    }

    [Fact]
    public void ProducerLeavesAndAnotherPublishes_SlotSwitchesAtKeyFrameWithoutRenegotiation()
    {
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var first = router.CreateProducer(0, Video("first", 0x1111, kfr, participant: "p1"));
        var sink = new RecordingSink();
        var slot = router.CreateConsumer(0, VideoConsumer("s0"), sink);
        router.CreateProgramSelector(0, [slot]);
        var pub1 = new Publisher(0x1111, 96);
        router.OnRtp(0, first, pub1.Vp8Frame(key: true));
        router.OnRtp(33 * Ms, first, pub1.Vp8Frame(key: false));
        var before = sink.Last;

        router.RemoveProducer(40 * Ms, first);
        Assert.Null(slot.Source);
        var second = router.CreateProducer(1000 * Ms, Video("second", 0x2222, kfr, participant: "p2"));
        Assert.Same(second, slot.Source);
        Assert.Contains(("second", 0x2222u), kfr.Requests);

        var pub2 = new Publisher(0x2222, 96, firstSeq: 7, firstTs: 123);
        router.OnRtp(1100 * Ms, second, pub2.Vp8Frame(key: false));
        router.OnRtp(1133 * Ms, second, pub2.Vp8Frame(key: true));
        var after = sink.Last;

        Assert.Equal(3, sink.Packets.Count);
        Assert.Equal(before.Ssrc, after.Ssrc);
        Assert.Equal(before.Pt, after.Pt);
        Assert.Equal((ushort)(before.Seq + 1), after.Seq);
        Assert.Equal(1100u * 90, after.Timestamp - before.Timestamp); // 1.1 s after the last packet at 90 kHz
    }
}
