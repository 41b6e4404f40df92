namespace MediaCore.Server.Auth;

/// <summary>
/// Who is asking, as proven by a validated media token: the participant id (the token's <c>sub</c>),
/// the role, and an optional display name (<c>name</c> claim). Handed to <see cref="Signalling.ISessionManager"/>.
/// </summary>
public sealed record ParticipantInfo(string Id, ParticipantRole Role, string? DisplayName = null);
