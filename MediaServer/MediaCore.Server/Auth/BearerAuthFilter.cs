using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaCore.Server.Auth;

/// <summary>
/// Endpoint filter: the request must carry a valid media token, else 401 with an RFC 6750 §3
/// <c>WWW-Authenticate: Bearer</c> challenge and problem details. The token is then available through
/// <see cref="BearerAuth.GetMediaToken"/>. Authorization (403) stays in <see cref="MediaAccess"/>.
/// </summary>
internal sealed class BearerAuthFilter(MediaTokenValidator validator) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var check = await validator.CheckHeaderAsync(http.Request.Headers.Authorization.ToString());
        if (!check.IsValid) return BearerAuth.Challenge(check);
        http.Items[BearerAuth.ItemKey] = check.Token;
        return await next(context);
    }
}

/// <summary>Helpers around <see cref="BearerAuthFilter"/>.</summary>
public static class BearerAuth
{
    internal static readonly object ItemKey = new();
    internal const string Realm = "mediacore";

    /// <summary>Requires a valid media token on these endpoints.</summary>
    public static TBuilder RequireMediaToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.AddEndpointFilter<TBuilder, BearerAuthFilter>();

    /// <summary>The token validated by <see cref="RequireMediaToken{TBuilder}"/> for this request.</summary>
    public static MediaToken GetMediaToken(this HttpContext context)
        => context.Items[ItemKey] as MediaToken ?? throw new InvalidOperationException("The endpoint does not require a media token.");

    /// <summary>401 with <c>WWW-Authenticate</c> (RFC 6750 §3; no error code when credentials were missing, §3.1).</summary>
    internal static IResult Challenge(TokenCheck check)
    {
        var challenge = check.Error is null
            ? $"Bearer realm=\"{Realm}\""
            : $"Bearer realm=\"{Realm}\", error=\"{check.Error}\", error_description=\"{check.Description}\"";
        return new ChallengeResult(challenge, TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: check.Description ?? "a Bearer token is required"));
    }

    private sealed class ChallengeResult(string challenge, ProblemHttpResult problem) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = challenge;
            return problem.ExecuteAsync(httpContext);
        }
    }
}
