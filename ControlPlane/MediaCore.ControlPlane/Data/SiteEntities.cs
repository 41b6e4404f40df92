namespace MediaCore.ControlPlane.Data;

/// <summary>Level of a site in the county -> town/sub-district -> village/community hierarchy.</summary>
public enum SiteKind { County, Town, SubDistrict, Village, Community }

/// <summary>An organisational site: the county hub, a town or sub-district, or a village or community.</summary>
public sealed class Site
{
    public int Id { get; set; }
    public int? ParentId { get; set; }
    public Site? Parent { get; set; }
    public SiteKind Kind { get; set; }
    public required string Name { get; set; }
    /// <summary>Stable short code (administrative division style), unique.</summary>
    public required string Code { get; set; }
    /// <summary>
    /// Materialised path of ids, "/1/3/27/". Scope checks are a prefix test on it, so "is this site under
    /// that town" is one indexed LIKE on both SQLite and PostgreSQL instead of a recursive query.
    /// </summary>
    public string Path { get; set; } = "";
    public List<Site> Children { get; set; } = [];
    public List<Device> Devices { get; set; } = [];
    public List<Person> People { get; set; } = [];

    /// <summary>True for the leaf level (villages and communities) that holds the organisational life.</summary>
    public bool IsGrassroots => Kind is SiteKind.Village or SiteKind.Community;
}

/// <summary>Kind of equipment installed at a site.</summary>
public enum DeviceKind { Camera, Terminal, AttendanceMachine, Projector }

/// <summary>A device installed at a site. Attendance machines authenticate with their own key.</summary>
public sealed class Device
{
    public int Id { get; set; }
    public int SiteId { get; set; }
    public Site? Site { get; set; }
    public DeviceKind Kind { get; set; }
    public required string Name { get; set; }
    /// <summary>Unique device code (serial), shown to installers.</summary>
    public required string Code { get; set; }
    /// <summary>SHA-256 (hex) of the device key; null for devices that never call the API.</summary>
    public string? KeyHash { get; set; }
    public bool Enabled { get; set; } = true;
    /// <summary>
    /// A fixed IP camera's stream (<c>rtsp://</c> or <c>rtsps://</c>, credentials in the URL as cameras take them): the
    /// ControlPlane has ffmpeg pull it into the site's meeting room while a meeting is on (Live/CameraPulls).
    /// </summary>
    public string? RtspUrl { get; set; }
    /// <summary>
    /// A terminal's SIP credential generation: 0 until its SIP password is first reset, then 1, 2, ... It is part of the
    /// derived password (Sites/TerminalSip), so a reset makes the old password useless on every MediaServer node.
    /// </summary>
    public int SipGeneration { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    public DateTime? LastSeenAtUtc { get; set; }
}

/// <summary>Role of a person at their site.</summary>
public enum PersonRole { Secretary, Director, CommitteeMember, FirstSecretary, PartyMember }

/// <summary>A person attached to a site: village cadres, first secretaries and party members.</summary>
public sealed class Person
{
    public int Id { get; set; }
    public int SiteId { get; set; }
    public Site? Site { get; set; }
    public required string Name { get; set; }
    public PersonRole Role { get; set; }
    public string? Phone { get; set; }
    public bool Active { get; set; } = true;

    /// <summary>Cadres have daily on-duty presence tracked; ordinary party members do not.</summary>
    public static bool IsCadreRole(PersonRole role) => role != PersonRole.PartyMember;
}
