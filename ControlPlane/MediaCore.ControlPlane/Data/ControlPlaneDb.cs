using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MediaCore.ControlPlane.Data;

/// <summary>
/// The ControlPlane's one DbContext. The same migrations run on SQLite and PostgreSQL: column types are
/// left to each provider's type mapping (no provider-specific type names in the migrations) and key
/// generation carries both providers' annotations, as EF Core documents for multi-provider migrations.
/// </summary>
public sealed class ControlPlaneDb(DbContextOptions<ControlPlaneDb> options) : DbContext(options)
{
    public DbSet<Site> Sites => Set<Site>();
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<Person> People => Set<Person>();
    public DbSet<CheckIn> CheckIns => Set<CheckIn>();
    public DbSet<Snapshot> Snapshots => Set<Snapshot>();
    public DbSet<Meeting> Meetings => Set<Meeting>();
    public DbSet<MeetingParticipation> MeetingParticipations => Set<MeetingParticipation>();
    public DbSet<WebhookReceipt> WebhookReceipts => Set<WebhookReceipt>();
    public DbSet<Disclosure> Disclosures => Set<Disclosure>();
    public DbSet<User> Users => Set<User>();
    public DbSet<MediaTokenGrant> MediaTokenGrants => Set<MediaTokenGrant>();
    public DbSet<Recording> Recordings => Set<Recording>();
    public DbSet<RecordingFile> RecordingFiles => Set<RecordingFile>();
    public DbSet<Courseware> Courseware => Set<Courseware>();
    public DbSet<PlaybackSchedule> PlaybackSchedules => Set<PlaybackSchedule>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        var b = configurationBuilder;
        // Times are UTC everywhere; SQLite hands DateTime back as Unspecified, so the kind is restored
        // on read, and Npgsql's timestamptz insists on Kind=Utc on write.
        b.Properties<DateTime>().HaveConversion<UtcConverter>();
        b.Properties<DateTime?>().HaveConversion<UtcConverter>();
        b.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var m = modelBuilder;
        // unixepoch(t): whole seconds since 1970 of a UTC time, in SQL. SQLite has it built in (3.38+); the migration
        // MeetingAttendeeCount creates the same function on PostgreSQL. Day and duration arithmetic of the aggregates uses it.
        m.HasDbFunction(typeof(SqlFunctions).GetMethod(nameof(SqlFunctions.UnixEpoch))!)
            .HasTranslation(args => new SqlFunctionExpression("unixepoch", args, nullable: true, argumentsPropagateNullability: [true], typeof(long), null));
        m.Entity<Site>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.Code).HasMaxLength(32);
            e.Property(x => x.Path).HasMaxLength(200);
            e.HasIndex(x => x.Code).IsUnique();
            e.HasIndex(x => x.Path);
            e.HasOne(x => x.Parent).WithMany(x => x.Children).HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Restrict);
        });
        m.Entity<Device>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.Code).HasMaxLength(64);
            e.Property(x => x.KeyHash).HasMaxLength(64);
            e.Property(x => x.RtspUrl).HasMaxLength(500);
            e.HasIndex(x => x.Code).IsUnique();
            e.HasIndex(x => x.KeyHash).IsUnique();
            e.HasOne(x => x.Site).WithMany(x => x.Devices).HasForeignKey(x => x.SiteId);
        });
        m.Entity<Person>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(50);
            e.Property(x => x.Phone).HasMaxLength(20);
            e.HasOne(x => x.Site).WithMany(x => x.People).HasForeignKey(x => x.SiteId);
        });
        m.Entity<CheckIn>(e =>
        {
            e.Property(x => x.EventId).HasMaxLength(64);
            e.Property(x => x.PhotoContentType).HasMaxLength(64);
            e.HasIndex(x => x.EventId).IsUnique();
            e.HasIndex(x => new { x.SiteId, x.OccurredAtUtc });
            e.HasIndex(x => new { x.PersonId, x.OccurredAtUtc });
            // The county-wide check-in list pages newest first (county scale: about a million rows a year).
            e.HasIndex(x => x.OccurredAtUtc);
            e.HasOne(x => x.Device).WithMany().HasForeignKey(x => x.DeviceId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(x => x.Site).WithMany().HasForeignKey(x => x.SiteId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(x => x.Person).WithMany().HasForeignKey(x => x.PersonId).OnDelete(DeleteBehavior.Restrict);
        });
        m.Entity<Snapshot>(e =>
        {
            e.Property(x => x.Room).HasMaxLength(100);
            e.Property(x => x.ParticipantId).HasMaxLength(100);
            e.HasIndex(x => x.CheckInId);
            e.HasIndex(x => new { x.MeetingId, x.TakenAtUtc });
            e.HasOne<Site>().WithMany().HasForeignKey(x => x.SiteId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<CheckIn>().WithMany().HasForeignKey(x => x.CheckInId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne(x => x.Meeting).WithMany().HasForeignKey(x => x.MeetingId).OnDelete(DeleteBehavior.SetNull);
        });
        m.Entity<Meeting>(e =>
        {
            e.Property(x => x.Title).HasMaxLength(200);
            e.Property(x => x.Room).HasMaxLength(100);
            e.Property(x => x.ReviewComment).HasMaxLength(1000);
            e.HasIndex(x => x.Room).IsUnique();
            e.HasIndex(x => new { x.SiteId, x.StartedAtUtc });
            e.HasOne(x => x.Site).WithMany().HasForeignKey(x => x.SiteId).OnDelete(DeleteBehavior.Restrict);
        });
        m.Entity<MeetingParticipation>(e =>
        {
            e.Property(x => x.ParticipantId).HasMaxLength(100);
            e.Property(x => x.Role).HasMaxLength(16);
            e.Property(x => x.NodeId).HasMaxLength(100);
            e.Property(x => x.SessionId).HasMaxLength(64);
            e.HasIndex(x => new { x.MeetingId, x.ParticipantId });
            e.HasIndex(x => new { x.MeetingId, x.SessionId });
            // Where a site's camera is live (snapshots) and what a restarted node left open: open participations by participant.
            e.HasIndex(x => new { x.ParticipantId, x.LeftAtUtc });
            e.HasOne(x => x.Meeting).WithMany(x => x.Participations).HasForeignKey(x => x.MeetingId);
        });
        m.Entity<WebhookReceipt>(e =>
        {
            e.Property(x => x.BodyHash).HasMaxLength(64);
            e.Property(x => x.Event).HasMaxLength(32);
            e.Property(x => x.Room).HasMaxLength(100);
            e.HasIndex(x => x.BodyHash).IsUnique();
        });
        m.Entity<Disclosure>(e =>
        {
            e.Property(x => x.Month).HasMaxLength(7);
            e.Property(x => x.Title).HasMaxLength(200);
            e.Property(x => x.Description).HasMaxLength(2000);
            e.Property(x => x.FileName).HasMaxLength(200);
            e.Property(x => x.ContentType).HasMaxLength(64);
            e.HasIndex(x => new { x.SiteId, x.Month, x.Category });
            e.HasOne(x => x.Site).WithMany().HasForeignKey(x => x.SiteId).OnDelete(DeleteBehavior.Restrict);
        });
        m.Entity<User>(e =>
        {
            e.Property(x => x.UserName).HasMaxLength(64);
            e.Property(x => x.DisplayName).HasMaxLength(100);
            e.Property(x => x.PasswordHash).HasMaxLength(200);
            e.HasIndex(x => x.UserName).IsUnique();
            e.HasOne(x => x.Site).WithMany().HasForeignKey(x => x.SiteId).OnDelete(DeleteBehavior.Restrict);
        });
        m.Entity<MediaTokenGrant>(e =>
        {
            e.Property(x => x.Room).HasMaxLength(100);
            e.Property(x => x.Role).HasMaxLength(16);
            e.Property(x => x.Subject).HasMaxLength(100);
            e.HasIndex(x => new { x.Room, x.IssuedAtUtc });
        });
        m.Entity<Recording>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(64);
            e.Property(x => x.Room).HasMaxLength(100);
            e.Property(x => x.NodeId).HasMaxLength(100);
            e.Property(x => x.CompositeState).HasMaxLength(16);
            e.Property(x => x.CompositeFile).HasMaxLength(100);
            e.Property(x => x.CompositeError).HasMaxLength(1000);
            e.HasIndex(x => new { x.MeetingId, x.StartedAtUtc });
            e.HasIndex(x => new { x.SiteId, x.StartedAtUtc });
            e.HasOne(x => x.Meeting).WithMany().HasForeignKey(x => x.MeetingId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(x => x.Site).WithMany().HasForeignKey(x => x.SiteId).OnDelete(DeleteBehavior.Restrict);
        });
        m.Entity<Courseware>(e =>
        {
            e.Property(x => x.Title).HasMaxLength(200);
            e.Property(x => x.OriginalName).HasMaxLength(200);
            e.Property(x => x.Error).HasMaxLength(1000);
            e.HasIndex(x => new { x.SiteId, x.CreatedAtUtc });
            e.HasOne(x => x.Site).WithMany().HasForeignKey(x => x.SiteId).OnDelete(DeleteBehavior.Restrict);
        });
        m.Entity<PlaybackSchedule>(e =>
        {
            e.Property(x => x.Title).HasMaxLength(200);
            e.Property(x => x.RecordingId).HasMaxLength(64);
            e.Property(x => x.TargetSiteIds).HasMaxLength(8000);
            e.Property(x => x.Cron).HasMaxLength(100);
            e.Property(x => x.LastResult).HasMaxLength(2000);
            e.HasIndex(x => new { x.Enabled, x.NextRunUtc });
            e.HasOne(x => x.Site).WithMany().HasForeignKey(x => x.SiteId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(x => x.Courseware).WithMany().HasForeignKey(x => x.CoursewareId).OnDelete(DeleteBehavior.Restrict);
        });
        m.Entity<RecordingFile>(e =>
        {
            e.Property(x => x.RecordingId).HasMaxLength(64);
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.ParticipantId).HasMaxLength(100);
            e.Property(x => x.Kind).HasMaxLength(8);
            e.Property(x => x.Codec).HasMaxLength(16);
            e.HasIndex(x => new { x.RecordingId, x.Name }).IsUnique();
            e.HasOne<Recording>().WithMany(x => x.Files).HasForeignKey(x => x.RecordingId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

/// <summary>SQL functions usable in LINQ queries of <see cref="ControlPlaneDb"/> (both providers).</summary>
public static class SqlFunctions
{
    /// <summary>Whole seconds since 1970-01-01 UTC of <paramref name="utc"/> (fractions dropped); SQL only.</summary>
    public static long UnixEpoch(DateTime utc) => throw new InvalidOperationException("UnixEpoch is translated to SQL only: " + utc);

    /// <summary>The same in C#, for code that must agree with the SQL.</summary>
    public static long UnixEpochOf(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;

    /// <summary>Seconds added to a UTC epoch second count to get Asia/Shanghai's (fixed +08:00, no daylight saving).</summary>
    public const long ChinaOffsetSeconds = 8 * 3600;
}
