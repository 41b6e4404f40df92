namespace MediaCore.ControlPlane.Data;

/// <summary>Roles of people who log in. Devices are a separate principal (device key), see Auth.</summary>
public enum UserRole { CountyAdmin, TownAdmin, VillageOperator, ExpertLecturer }

/// <summary>A login account. Its site is the root of what it may see and act on.</summary>
public sealed class User
{
    public int Id { get; set; }
    public required string UserName { get; set; }
    public required string DisplayName { get; set; }
    /// <summary>ASP.NET Core Identity PasswordHasher v3 format (PBKDF2-HMAC-SHA512, salted).</summary>
    public required string PasswordHash { get; set; }
    public UserRole Role { get; set; }
    public int? SiteId { get; set; }
    public Site? Site { get; set; }
    public bool Enabled { get; set; } = true;
}

/// <summary>Audit of every media token minted (observer listen-ins in particular).</summary>
public sealed class MediaTokenGrant
{
    public long Id { get; set; }
    public int UserId { get; set; }
    public required string Room { get; set; }
    public required string Role { get; set; }
    public required string Subject { get; set; }
    public DateTime IssuedAtUtc { get; set; }
    public DateTime ExpiresAtUtc { get; set; }
}
