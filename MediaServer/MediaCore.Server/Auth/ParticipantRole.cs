namespace MediaCore.Server.Auth;

/// <summary>What a participant may do in a room (docs/architecture.md, "The media model"). Carried in the token's <c>role</c> claim.</summary>
public enum ParticipantRole
{
    /// <summary>Publishes, controls the floor, mutes others.</summary>
    Host,
    /// <summary>Publishes audio and video.</summary>
    Speaker,
    /// <summary>Receives the program; publishes only when granted (a new token with role speaker).</summary>
    Audience,
    /// <summary>Silent listen-in: receive-only, hidden from participant lists except for admins.</summary>
    Observer,
}

/// <summary>Claim wire names for <see cref="ParticipantRole"/>.</summary>
public static class ParticipantRoles
{
    public static string ToClaim(this ParticipantRole role) => role switch
    {
        ParticipantRole.Host => "host",
        ParticipantRole.Speaker => "speaker",
        ParticipantRole.Audience => "audience",
        ParticipantRole.Observer => "observer",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>Parses a claim value (lower case only, as issued).</summary>
    public static bool TryParse(string? claim, out ParticipantRole role)
    {
        switch (claim)
        {
            case "host": role = ParticipantRole.Host; return true;
            case "speaker": role = ParticipantRole.Speaker; return true;
            case "audience": role = ParticipantRole.Audience; return true;
            case "observer": role = ParticipantRole.Observer; return true;
            default: role = default; return false;
        }
    }

    /// <summary>Host and speaker may publish (WHIP).</summary>
    public static bool CanPublish(this ParticipantRole role) => role is ParticipantRole.Host or ParticipantRole.Speaker;
}
