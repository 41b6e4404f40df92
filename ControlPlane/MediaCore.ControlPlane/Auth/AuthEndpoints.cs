using System.Security.Claims;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Auth;

/// <summary>Login request.</summary>
public sealed record LoginRequest(string? UserName, string? Password);

/// <summary>A user as the API shows it.</summary>
public sealed record UserDto(int Id, string UserName, string DisplayName, string Role, int? SiteId, string? SiteName);

/// <summary>Successful login: a session JWT for the Authorization: Bearer header.</summary>
public sealed record LoginResponse(string Token, DateTimeOffset ExpiresAt, UserDto User);

/// <summary>Changing one's own password.</summary>
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>Creating a user.</summary>
public sealed record CreateUserRequest(string? UserName, string? DisplayName, string? Password, string? Role, int? SiteId);

/// <summary>Login, current user, and user administration.</summary>
public static class AuthEndpoints
{
    /// <summary>Name of the rate-limiting policy on POST /api/auth/login.</summary>
    public const string LoginRateLimit = "login";

    /// <summary>Maps /api/auth and /api/users.</summary>
    public static void MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(LoginRateLimit);
        auth.MapGet("/me", Me).RequireAuthorization(Policies.User);
        auth.MapPost("/password", ChangePassword).RequireAuthorization(Policies.User);

        var users = app.MapGroup("/api/users").WithTags("Auth").RequireAuthorization(Policies.Admin);
        users.MapGet("/", ListUsers);
        users.MapPost("/", CreateUser);
    }

    private static async Task<Results<Ok<LoginResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest req, ControlPlaneDb db, SessionTokens tokens, PasswordHasher<User> hasher, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(req.UserName) || string.IsNullOrEmpty(req.Password))
            return Problems.Invalid("userName", "userName and password are required.");
        var user = await db.Users.Include(u => u.Site).FirstOrDefaultAsync(u => u.UserName == req.UserName, ct);
        // Same answer, and the same PBKDF2 work, for an unknown user and a wrong password, so names cannot be
        // probed by the text or by the time of the answer.
        var verified = hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? UnknownUserHash.Value, req.Password) != PasswordVerificationResult.Failed;
        if (user is null || !user.Enabled || !verified)
            return TypedResults.Problem(title: "Login failed", detail: "Wrong user name or password.", statusCode: 401);
        var (token, exp) = tokens.Mint(user, user.Site?.Path);
        return TypedResults.Ok(new LoginResponse(token, exp, ToDto(user)));
    }

    private static async Task<Results<Ok<UserDto>, ProblemHttpResult>> Me(ClaimsPrincipal principal, ControlPlaneDb db, CancellationToken ct)
    {
        var id = principal.UserId();
        var user = id is null ? null : await db.Users.Include(u => u.Site).FirstOrDefaultAsync(u => u.Id == id, ct);
        return user is null ? Problems.NotFound("User") : TypedResults.Ok(ToDto(user));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePassword(ChangePasswordRequest req,
        ClaimsPrincipal principal, ControlPlaneDb db, PasswordHasher<User> hasher, CancellationToken ct)
    {
        if (req.NewPassword is null || req.NewPassword.Length < 8) return Problems.Invalid("newPassword", "At least 8 characters.");
        var id = principal.UserId();
        var user = id is null ? null : await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return Problems.NotFound("User");
        if (req.CurrentPassword is null ||
            hasher.VerifyHashedPassword(user, user.PasswordHash, req.CurrentPassword) == PasswordVerificationResult.Failed)
            return Problems.Invalid("currentPassword", "The current password is wrong.");
        user.PasswordHash = hasher.HashPassword(user, req.NewPassword);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Page<UserDto>>> ListUsers(ClaimsPrincipal principal, SiteScope scope, ControlPlaneDb db,
        int? page, int? pageSize, CancellationToken ct)
    {
        var visible = scope.VisibleSiteIds(principal);
        var q = db.Users.Include(u => u.Site).Where(u => u.SiteId != null && visible.Contains(u.SiteId.Value)).OrderBy(u => u.Id);
        var result = await PageRequest.From(page, pageSize).ApplyAsync(q, ct);
        return TypedResults.Ok(new Page<UserDto>(result.Items.Select(ToDto).ToList(), result.PageNumber, result.PageSize, result.Total));
    }

    private static async Task<Results<Created<UserDto>, ValidationProblem, ProblemHttpResult>> CreateUser(
        CreateUserRequest req, ClaimsPrincipal principal, SiteScope scope, ControlPlaneDb db, PasswordHasher<User> hasher, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(req.UserName) || req.UserName.Length > 64) errors["userName"] = ["1-64 characters required."];
        if (string.IsNullOrWhiteSpace(req.DisplayName) || req.DisplayName.Length > 100) errors["displayName"] = ["1-100 characters required."];
        if (req.Password is null || req.Password.Length < 8) errors["password"] = ["At least 8 characters."];
        UserRole? role = req.Role switch
        {
            Roles.CountyAdmin => UserRole.CountyAdmin,
            Roles.TownAdmin => UserRole.TownAdmin,
            Roles.VillageOperator => UserRole.VillageOperator,
            Roles.ExpertLecturer => UserRole.ExpertLecturer,
            _ => null,
        };
        if (role is null) errors["role"] = ["One of county_admin, town_admin, village_operator, expert_lecturer."];
        if (errors.Count > 0) return Problems.Invalid(errors);
        // Only the county may create peers or lecturers; a town admin creates accounts for its villages.
        if (!principal.IsInRole(Roles.CountyAdmin) && role is not UserRole.VillageOperator)
            return Problems.Forbidden("Town admins may only create village operators.");
        Site? site = null;
        if (role is not UserRole.ExpertLecturer)
        {
            if (req.SiteId is not { } siteId) return Problems.Invalid("siteId", "Required for this role.");
            switch (await scope.CheckAsync(principal, siteId, ct))
            {
                case ScopeDecision.Missing: return Problems.Invalid("siteId", "No such site.");
                case ScopeDecision.OutOfScope: return Problems.Forbidden("The site is outside your scope.");
            }
            site = await db.Sites.FirstAsync(s => s.Id == siteId, ct);
            var expected = role switch
            {
                UserRole.CountyAdmin => site.Kind == SiteKind.County,
                UserRole.TownAdmin => site.Kind is SiteKind.Town or SiteKind.SubDistrict,
                _ => site.IsGrassroots,
            };
            if (!expected) return Problems.Invalid("siteId", "The site's level does not match the role.");
        }
        if (await db.Users.AnyAsync(u => u.UserName == req.UserName, ct)) return Problems.Conflict("The user name is taken.");
        var user = new User { UserName = req.UserName!, DisplayName = req.DisplayName!, PasswordHash = "", Role = role!.Value, SiteId = site?.Id };
        user.PasswordHash = hasher.HashPassword(user, req.Password!);
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        user.Site = site;
        return TypedResults.Created($"/api/users/{user.Id}", ToDto(user));
    }

    private static readonly Lazy<string> UnknownUserHash = new(() => new PasswordHasher<User>().HashPassword(null!, Guid.NewGuid().ToString()));

    private static UserDto ToDto(User u) => new(u.Id, u.UserName, u.DisplayName, Roles.Of(u.Role), u.SiteId, u.Site?.Name);
}
