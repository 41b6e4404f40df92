using System.Security.Cryptography;
using MediaCore.Server.Auth;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Demo;

/// <summary>
/// DEMO ONLY: <c>POST /demo/token</c> {room, role, name?} mints a short-lived media token for anyone who
/// asks, so the demo page works without a login; <c>GET /demo/info</c> tells the page it is in demo mode. Mapped only when <c>MediaServer:DemoMode=true</c>
/// (./run.sh); otherwise the route does not exist (404).
/// </summary>
public static class DemoEndpoints
{
    /// <summary>Request body.</summary>
    public sealed record DemoTokenRequest(string? Room, string? Role, string? Name);

    /// <summary>Response body.</summary>
    public sealed record DemoTokenResponse(string Token, string Room, string Role, string ParticipantId, DateTimeOffset ExpiresAt, bool Demo);

    public static IEndpointRouteBuilder MapDemo(this IEndpointRouteBuilder app)
    {
        app.MapPost("/demo/token", (DemoTokenRequest request, MediaTokenIssuer issuer, IOptions<MediaServerOptions> options, TimeProvider time) =>
        {
            if (!RoomId.TryParse(request.Room, out var room))
                return (IResult)Problems.BadRequest("invalid room id: use 1-64 characters A-Z a-z 0-9 _ - .");
            if (!ParticipantRoles.TryParse(request.Role ?? "speaker", out var role))
                return Problems.BadRequest("role must be host, speaker, audience or observer");
            var lifetime = options.Value.DemoTokenLifetime;
            var participant = "demo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            var name = request.Name is { Length: > 0 and <= 64 } n ? n : null;
            var token = issuer.Issue(room.Value, participant, role, lifetime, name);
            return TypedResults.Ok(new DemoTokenResponse(token, room.Value, role.ToClaim(), participant, time.GetUtcNow() + lifetime, Demo: true));
        }).WithTags("Demo");

        // Lets the demo page show its demo-mode banner; like /demo/token, absent (404) outside demo mode.
        app.MapGet("/demo/info", (IOptions<MediaServerOptions> options)
            => TypedResults.Ok(new { demo = true, tokenLifetimeSeconds = (int)options.Value.DemoTokenLifetime.TotalSeconds }))
            .WithTags("Demo");
        return app;
    }
}
