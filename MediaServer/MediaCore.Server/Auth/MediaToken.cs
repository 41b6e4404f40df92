namespace MediaCore.Server.Auth;

/// <summary>
/// A validated media token. Claims (all required; HS256-signed with <c>MediaServer:TokenSecret</c>):
/// <list type="bullet">
/// <item><c>room</c>: a room id, or <c>*</c> for every room (admin tokens, role host only; what the
/// ControlPlane uses for the room API).</item>
/// <item><c>sub</c>: the participant id (stable per site/person; owns the sessions it creates).</item>
/// <item><c>role</c>: <c>host</c> | <c>speaker</c> | <c>audience</c> | <c>observer</c>.</item>
/// <item><c>exp</c>: expiry (RFC 7519 §4.1.4); checked with a small clock skew.</item>
/// </list>
/// Optional: <c>name</c> (display name), <c>nbf</c>, <c>iat</c>.
/// </summary>
public sealed record MediaToken(string Room, string Subject, ParticipantRole Role, DateTimeOffset ExpiresAt, string? DisplayName = null)
{
    /// <summary>The <c>room</c> claim value meaning "every room".</summary>
    public const string AllRooms = "*";

    /// <summary>An admin token: <c>room=*</c> with role host. May read the room API and act in any room.</summary>
    public bool IsAdmin => Room == AllRooms && Role == ParticipantRole.Host;

    /// <summary>The participant this token speaks for.</summary>
    public ParticipantInfo Participant => new(Subject, Role, DisplayName);
}
