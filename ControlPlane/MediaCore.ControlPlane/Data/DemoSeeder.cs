using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Meetings;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Data;

/// <summary>
/// Seeds the demo: Pingyin County (平阴县), its towns and sub-districts, the pilot sub-district 锦水街道
/// (where the platform opened on 2017-02-22: its sites' equipment dates from that day) with 22 villages
/// (后寨村 among them) and 3 communities, every other town 3 villages, devices, people and a few months of
/// plausible history. Deterministic
/// (fixed random seed) relative to "now", so the portal and exports always have something real to show.
/// </summary>
internal sealed partial class DemoSeeder(ControlPlaneDb db, TimeProvider time, IOptions<ControlPlaneOptions> options,
    PasswordHasher<User> hasher, ILogger<DemoSeeder> log)
{
    private static readonly (string Name, string Pinyin, SiteKind Kind)[] Towns =
    [
        ("榆山街道", "yushan", SiteKind.SubDistrict), ("锦水街道", "jinshui", SiteKind.SubDistrict),
        ("东阿镇", "donga", SiteKind.Town), ("玫瑰镇", "meigui", SiteKind.Town), ("洪范池镇", "hongfanchi", SiteKind.Town),
        ("孔村镇", "kongcun", SiteKind.Town), ("孝直镇", "xiaozhi", SiteKind.Town), ("安城镇", "ancheng", SiteKind.Town),
    ];

    /// <summary>The pilot sub-district.</summary>
    public const string PilotTown = "锦水街道";

    /// <summary>The day the platform opened in the pilot.</summary>
    public static readonly DateOnly PilotOpened = new(2017, 2, 22);

    private static readonly string[] PilotVillages =
    [
        "东关村", "西关村", "后寨村", "前寨村", "胡庄村", "前转湾村", "后转湾村", "刘庄村", "张庄村", "李营村", "王楼村",
        "赵套村", "孙官庄村", "周河村", "吴家村", "郑庄村", "冯楼村", "陈屯村", "杨柳村", "田山村", "石桥村", "青龙村",
    ];
    private static readonly string[] PilotCommunities = ["翠屏社区", "龙山社区", "会仙社区"];
    private static readonly string[] OtherVillageStems = ["大官", "小屯", "柳园", "黄河", "凤凰", "泉头", "玉皇", "南岭", "北坡"];
    // County scale: the stems with the suffixes villages of the region carry (大官村, 大官庄村, 大官屯村, ...).
    private static readonly string[] CountyVillageSuffixes = ["", "庄", "屯", "营", "店", "寨", "楼", "洼"];

    /// <summary>Most villages a town can get at county scale (every stem with every suffix).</summary>
    public static int MaxVillagesPerTown => OtherVillageStems.Length * CountyVillageSuffixes.Length;

    /// <summary>The villages of a non-pilot town at county scale: the town's first character, a stem, a suffix, 村.</summary>
    internal static IEnumerable<string> CountyVillageNames(string town, int count) =>
        CountyVillageSuffixes.SelectMany(suffix => OtherVillageStems.Select(stem => town[..1] + stem + suffix + "村")).Take(count);
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"];
    private static readonly string[] GivenChars = ["建", "国", "明", "华", "伟", "芳", "秀", "英", "强", "军", "平", "兰", "霞", "丽", "敏", "志", "红", "刚", "海", "玉", "文", "春", "桂", "凤", "德", "振", "洪", "永", "庆", "荣"];

    private readonly Random _rng = new(20261126);
    private readonly List<SeedCheckIn> _checkIns = [];
    private readonly List<Meeting> _meetings = [];
    private readonly List<MeetingParticipation> _participations = [];
    private readonly List<Snapshot> _snapshots = [];
    private readonly List<Disclosure> _disclosures = [];
    private readonly byte[] _jpeg = DemoImage.Jpeg;
    private int _nextMeetingId;

    public async Task SeedAsync(CancellationToken ct)
    {
        var o = options.Value;
        var countyScale = o.DemoScale.ToLowerInvariant() switch
        {
            "demo" => false,
            "county" => true,
            _ => throw new InvalidOperationException($"ControlPlane:DemoScale is \"{o.DemoScale}\": set demo or county."),
        };
        if (countyScale && (o.DemoVillagesPerTown < 1 || o.DemoVillagesPerTown > MaxVillagesPerTown))
            throw new InvalidOperationException($"ControlPlane:DemoVillagesPerTown is {o.DemoVillagesPerTown}: set 1-{MaxVillagesPerTown}.");
        var started = TimeProvider.System.GetTimestamp();
        var nowUtc = time.GetUtcNow().UtcDateTime;
        db.ChangeTracker.AutoDetectChangesEnabled = false;

        // 1. Hierarchy. Paths need ids, so each level is saved before its children's paths are set.
        var county = new Site { Name = "平阴县", Code = "370124", Kind = SiteKind.County };
        db.Sites.Add(county);
        await db.SaveChangesAsync(ct);
        county.Path = $"/{county.Id}/";
        var towns = new List<(Site Site, string Pinyin)>();
        for (var i = 0; i < Towns.Length; i++)
        {
            var t = new Site { Name = Towns[i].Name, Code = $"370124{i + 1:D3}", Kind = Towns[i].Kind, ParentId = county.Id };
            db.Sites.Add(t);
            towns.Add((t, Towns[i].Pinyin));
        }
        await db.SaveChangesAsync(ct);
        var grassroots = new List<(Site Site, Site Town, string Login)>();
        var pilotSites = new HashSet<Site>();
        foreach (var (town, pinyin) in towns)
        {
            town.Path = $"{county.Path}{town.Id}/";
            var isPilot = town.Name == PilotTown;
            var names = isPilot
                ? PilotVillages.Select(n => (n, SiteKind.Village)).Concat(PilotCommunities.Select(n => (n, SiteKind.Community))).ToList()
                : countyScale
                    ? CountyVillageNames(town.Name, o.DemoVillagesPerTown).Select(n => (n, SiteKind.Village)).ToList()
                    : OtherVillageStems.OrderBy(_ => _rng.Next()).Take(3).Select(s => (town.Name[..1] + s + "村", SiteKind.Village)).ToList();
            for (var i = 0; i < names.Count; i++)
            {
                var v = new Site { Name = names[i].Item1, Code = $"{town.Code}{i + 1:D3}", Kind = names[i].Item2, ParentId = town.Id };
                db.Sites.Add(v);
                grassroots.Add((v, town, $"{pinyin}{i + 1:D2}"));
                if (isPilot) pilotSites.Add(v);
            }
        }
        await db.SaveChangesAsync(ct);
        foreach (var (v, town, _) in grassroots) v.Path = $"{town.Path}{v.Id}/";
        Touch(county);
        foreach (var (t, _) in towns) Touch(t);
        foreach (var (v, _, _) in grassroots) Touch(v);
        await db.SaveChangesAsync(ct);

        // 2. Devices and accounts. One hash serves every demo account: hashing ~60 passwords at
        // PBKDF2's 100k iterations would cost seconds of start-up on a 2-core box for no security gain.
        var hash = hasher.HashPassword(null!, o.DemoPassword);
        AddDevices(county, withAttendance: false, nowUtc);
        foreach (var (t, _) in towns) AddDevices(t, withAttendance: false, nowUtc);
        var machines = new Dictionary<int, Device>();
        var pilotOpenedUtc = ChinaTime.StartOfDayUtc(PilotOpened).AddHours(9);
        foreach (var (v, _, _) in grassroots)
            machines[v.Id] = AddDevices(v, withAttendance: true, pilotSites.Contains(v) ? pilotOpenedUtc : nowUtc)!;
        db.Users.Add(new User { UserName = "admin", DisplayName = "平阴县委组织部", PasswordHash = hash, Role = UserRole.CountyAdmin, SiteId = county.Id });
        db.Users.Add(new User { UserName = "lecturer", DisplayName = "县委党校 王教授", PasswordHash = hash, Role = UserRole.ExpertLecturer });
        foreach (var (t, pinyin) in towns)
            db.Users.Add(new User { UserName = pinyin, DisplayName = t.Name + "管理员", PasswordHash = hash, Role = UserRole.TownAdmin, SiteId = t.Id });
        foreach (var (v, _, login) in grassroots)
            db.Users.Add(new User { UserName = login, DisplayName = v.Name + "操作员", PasswordHash = hash, Role = UserRole.VillageOperator, SiteId = v.Id });

        // 3. People.
        var people = new Dictionary<int, List<Person>>();
        foreach (var (v, _, _) in grassroots)
        {
            var list = new List<Person>
            {
                NewPerson(v, PersonRole.Secretary),
                NewPerson(v, PersonRole.Director),
                NewPerson(v, PersonRole.CommitteeMember),
                NewPerson(v, PersonRole.CommitteeMember),
            };
            if (_rng.Next(3) > 0) list.Add(NewPerson(v, PersonRole.CommitteeMember));
            if (_rng.Next(2) == 0) list.Add(NewPerson(v, PersonRole.FirstSecretary));
            var members = countyScale ? 10 + _rng.Next(11) : 8 + _rng.Next(10); // county: about 20 people a village, 10,000 in all
            for (var i = 0; i < members; i++) list.Add(NewPerson(v, PersonRole.PartyMember));
            db.People.AddRange(list);
            people[v.Id] = list;
        }
        await db.SaveChangesAsync(ct);

        // 4. History from the first day of the month N months back up to yesterday (Asia/Shanghai).
        var today = ChinaTime.DateOf(nowUtc);
        var from = new DateOnly(today.Year, today.Month, 1).AddMonths(-Math.Max(0, o.SeedHistoryMonths ?? (countyScale ? 12 : 3)));
        _nextMeetingId = (await db.Meetings.MaxAsync(m => (int?)m.Id, ct) ?? 0) + 1;
        var calendar = new WorkingDayCalendar(o.Calendar);
        var countMeetings = 0;
        foreach (var (v, town, _) in grassroots)
        {
            var machine = machines[v.Id];
            var villagePeople = people[v.Id];
            var diligence = 0.72 + _rng.NextDouble() * 0.26;
            for (var d = from; d < today; d = d.AddDays(1))
            {
                if (!calendar.IsWorkingDay(d)) continue;
                foreach (var p in villagePeople.Where(p => Person.IsCadreRole(p.Role)))
                {
                    var present = p.Role == PersonRole.FirstSecretary ? _rng.NextDouble() < 0.55 : _rng.NextDouble() < diligence;
                    if (!present) continue;
                    AddCheckIn(machine, p, At(d, 7, 50, 70), $"seed-{p.Id}-{d:yyyyMMdd}-am");
                }
                foreach (var kind in RequiredKinds(calendar, d))
                {
                    if (_rng.NextDouble() > diligence + 0.05) continue; // missed: shows up in compliance
                    AddMeeting(v, kind, d, villagePeople, machine, today);
                    countMeetings++;
                }
                if (d.Day == 20 && _rng.NextDouble() < 0.7)
                {
                    AddMeeting(v, MeetingKind.PartyLesson, d, villagePeople, machine, today);
                    countMeetings++;
                }
            }
            for (var month = from; month < today; month = month.AddMonths(1))
            {
                foreach (var cat in Enum.GetValues<DisclosureCategory>())
                {
                    if (_rng.NextDouble() > diligence + 0.1) continue;
                    _disclosures.Add(new Disclosure
                    {
                        SiteId = v.Id, Category = cat, Month = ChinaTime.MonthKey(month),
                        Title = $"{v.Name}{month.Month}月{CategoryName(cat)}公开",
                        Description = $"{v.Name}{month.Year}年{month.Month}月{CategoryName(cat)}公开栏照片",
                        FileName = $"{v.Code}-{ChinaTime.MonthKey(month)}-{cat}.jpg", ContentType = "image/jpeg",
                        Content = _jpeg, UploadedAtUtc = ChinaTime.StartOfDayUtc(month.AddDays(_rng.Next(3, 12))).AddHours(3),
                    });
                }
            }
        }
        db.ChangeTracker.Clear();
        await WriteHistoryAsync(ct);
        Seeded(log, towns.Count, grassroots.Count, people.Values.Sum(l => l.Count), countMeetings, _checkIns.Count,
            (long)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
    }

    private void Touch(Site s) => db.Entry(s).Property(x => x.Path).IsModified = true;

    private Device? AddDevices(Site site, bool withAttendance, DateTime nowUtc)
    {
        db.Devices.Add(new Device { SiteId = site.Id, Kind = DeviceKind.Camera, Name = site.Name + "摄像头", Code = site.Code + "-CAM", CreatedAtUtc = nowUtc });
        db.Devices.Add(new Device { SiteId = site.Id, Kind = DeviceKind.Terminal, Name = site.Name + "会议终端", Code = site.Code + "-TRM", CreatedAtUtc = nowUtc });
        if (!withAttendance) return null;
        db.Devices.Add(new Device { SiteId = site.Id, Kind = DeviceKind.Projector, Name = site.Name + "投影仪", Code = site.Code + "-PRJ", CreatedAtUtc = nowUtc });
        var machine = new Device
        {
            SiteId = site.Id, Kind = DeviceKind.AttendanceMachine, Name = site.Name + "考勤机", Code = site.Code + "-ATT",
            KeyHash = DeviceKeyAuthentication.Hash(DemoDeviceKey(site.Code + "-ATT")), CreatedAtUtc = nowUtc,
        };
        db.Devices.Add(machine);
        return machine;
    }

    /// <summary>Key of a seeded attendance machine: "demo-" + its device code, e.g. demo-370124001001-ATT.</summary>
    public static string DemoDeviceKey(string deviceCode) => "demo-" + deviceCode;

    private Person NewPerson(Site v, PersonRole role) => new()
    {
        SiteId = v.Id, Role = role,
        Name = Surnames[_rng.Next(Surnames.Length)] + GivenChars[_rng.Next(GivenChars.Length)] + (_rng.Next(3) == 0 ? "" : GivenChars[_rng.Next(GivenChars.Length)]),
        Phone = $"13{_rng.Next(100000000, 999999999)}",
    };

    private DateTime At(DateOnly d, int hour, int minMinute, int spreadMinutes) =>
        ChinaTime.StartOfDayUtc(d).AddHours(hour).AddMinutes(minMinute + _rng.Next(spreadMinutes)).AddSeconds(_rng.Next(60));

    private void AddCheckIn(Device machine, Person p, DateTime at, string eventId) =>
        _checkIns.Add(new SeedCheckIn(eventId, machine.Id, machine.SiteId, p.Id, _rng.Next(2) == 0 ? nameof(CheckInMethod.Face) : nameof(CheckInMethod.Fingerprint), at));

    private sealed record SeedCheckIn(string EventId, int DeviceId, int SiteId, int PersonId, string Method, DateTime At);

    /// <summary>
    /// Writes the history (meetings with explicit ids, their participations and snapshots, check-ins, disclosures) with
    /// bulk inserts in one transaction, then counts every meeting's attendees in one UPDATE: EF Core would send one
    /// INSERT round trip per row, and a county's year is about a million rows.
    /// </summary>
    private async Task WriteHistoryAsync(CancellationToken ct)
    {
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10)); // the recount and ANALYZE of a county's year, on a busy machine
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await BulkInsert.WriteAsync(db, "Meetings",
            ["Id", "SiteId", "Kind", "Title", "Room", "ScheduledStartUtc", "StartedAtUtc", "EndedAtUtc", "AttendeeCount", "Review", "ReviewComment", "ReviewedAtUtc"],
            _meetings, m => [m.Id, m.SiteId, m.Kind.ToString(), m.Title, m.Room, m.ScheduledStartUtc, m.StartedAtUtc, m.EndedAtUtc, 0, m.Review.ToString(),
                m.ReviewComment, m.ReviewedAtUtc], ct);
        await BulkInsert.ResetIdentityAsync(db, "Meetings", ct);
        await BulkInsert.WriteAsync(db, "MeetingParticipations",
            ["MeetingId", "ParticipantId", "Role", "SiteId", "JoinedAtUtc", "LeftAtUtc", "NodeId", "Publishing"],
            _participations, p => [p.MeetingId, p.ParticipantId, p.Role, p.SiteId, p.JoinedAtUtc, p.LeftAtUtc, p.NodeId, p.Publishing], ct);
        await BulkInsert.WriteAsync(db, "Snapshots",
            ["SiteId", "MeetingId", "Room", "ParticipantId", "Reason", "TakenAtUtc", "Width", "Height", "Jpeg"],
            _snapshots, x => [x.SiteId, x.MeetingId, x.Room, x.ParticipantId, x.Reason.ToString(), x.TakenAtUtc, x.Width, x.Height, x.Jpeg], ct);
        await BulkInsert.WriteAsync(db, "CheckIns",
            ["EventId", "DeviceId", "SiteId", "PersonId", "Method", "OccurredAtUtc", "ReceivedAtUtc"],
            _checkIns, c => [c.EventId, c.DeviceId, c.SiteId, c.PersonId, c.Method, c.At, c.At.AddSeconds(1)], ct);
        await BulkInsert.WriteAsync(db, "Disclosures",
            ["SiteId", "Category", "Month", "Title", "Description", "FileName", "ContentType", "Content", "UploadedAtUtc"],
            _disclosures, d => [d.SiteId, d.Category.ToString(), d.Month, d.Title, d.Description, d.FileName, d.ContentType, d.Content, d.UploadedAtUtc], ct);
        // Both planners choose between the check-in indexes by table statistics, which a bulk load leaves empty (PostgreSQL
        // until autovacuum comes by, SQLite until someone runs ANALYZE).
        await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
        await MeetingAttendance.RecountAsync(db, db.Meetings, ct);
        await tx.CommitAsync(ct);
        // PostgreSQL: what autovacuum does some minutes after a bulk load, done at once so that the first queries see the
        // steady state: the visibility map that index-only scans need, no dead row versions of the recount, fresh statistics.
        if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlRawAsync("VACUUM (ANALYZE)", ct);
    }

    private static IEnumerable<MeetingKind> RequiredKinds(WorkingDayCalendar cal, DateOnly d)
    {
        if (cal.IsCommitteeDay(d)) yield return MeetingKind.CommitteeDay;
        if (cal.IsThemeDay(d)) yield return MeetingKind.ThemeDay;
        if (cal.IsDisclosureDay(d)) yield return MeetingKind.DisclosureDay;
    }

    private void AddMeeting(Site v, MeetingKind kind, DateOnly d, List<Person> villagePeople, Device machine, DateOnly today)
    {
        var start = At(d, kind == MeetingKind.CommitteeDay ? 9 : 15, 0, 20);
        var end = start.AddMinutes(45 + _rng.Next(90));
        var age = today.DayNumber - d.DayNumber;
        var review = age < 7 ? ReviewStatus.Pending : _rng.NextDouble() < 0.93 ? ReviewStatus.Approved : ReviewStatus.Rejected;
        var meeting = new Meeting
        {
            Id = _nextMeetingId++, SiteId = v.Id, Kind = kind, Title = $"{v.Name}{d.Month}月{d.Day}日{KindName(kind)}",
            Room = $"seed-{v.Code}-{d:yyyyMMdd}-{kind.ToString().ToLowerInvariant()}",
            ScheduledStartUtc = ChinaTime.StartOfDayUtc(d).AddHours(kind == MeetingKind.CommitteeDay ? 9 : 15),
            StartedAtUtc = start, EndedAtUtc = end, Review = review,
            ReviewComment = review == ReviewStatus.Rejected ? "会议签到人数不足，请补充材料" : review == ReviewStatus.Approved ? "同意" : null,
            ReviewedAtUtc = review == ReviewStatus.Pending ? null : end.AddDays(1),
        };
        _meetings.Add(meeting);
        _participations.Add(new MeetingParticipation
        {
            MeetingId = meeting.Id, ParticipantId = $"site:{v.Id}", Role = "host", SiteId = v.Id, JoinedAtUtc = start, LeftAtUtc = end, NodeId = "county-1",
            Publishing = true,
        });
        var attendees = kind == MeetingKind.CommitteeDay ? villagePeople.Where(p => Person.IsCadreRole(p.Role)) : villagePeople;
        foreach (var p in attendees)
        {
            if (_rng.NextDouble() < 0.12) continue;
            AddCheckIn(machine, p, start.AddMinutes(-_rng.Next(1, 15)), $"seed-{p.Id}-{meeting.Room}");
        }
        _snapshots.Add(new Snapshot
        {
            SiteId = v.Id, Room = meeting.Room, ParticipantId = $"site:{v.Id}", Reason = SnapshotReason.MeetingStart,
            TakenAtUtc = start.AddSeconds(5), Width = 64, Height = 48, Jpeg = _jpeg, MeetingId = meeting.Id,
        });
    }

    internal static string KindName(MeetingKind k) => k switch
    {
        MeetingKind.PartyMemberAssembly => "党员大会",
        MeetingKind.BranchCommittee => "支部委员会",
        MeetingKind.PartyGroupMeeting => "党小组会",
        MeetingKind.PartyLesson => "党课",
        MeetingKind.CommitteeDay => "村两委例会",
        MeetingKind.ThemeDay => "主题党日",
        MeetingKind.DisclosureDay => "三务公开日",
        MeetingKind.Plenary => "全县大会",
        MeetingKind.Partial => "乡镇分会",
        MeetingKind.Emergency => "应急直播",
        _ => "专家讲座",
    };

    internal static string CategoryName(DisclosureCategory c) => c switch
    {
        DisclosureCategory.PartyAffairs => "党务",
        DisclosureCategory.VillageAffairs => "村务",
        _ => "财务",
    };
}
