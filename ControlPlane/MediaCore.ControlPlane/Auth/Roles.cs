using System.Security.Claims;
using MediaCore.ControlPlane.Data;

namespace MediaCore.ControlPlane.Auth;

/// <summary>Role names as they appear in the "role" claim and in the API.</summary>
public static class Roles
{
    public const string CountyAdmin = "county_admin";
    public const string TownAdmin = "town_admin";
    public const string VillageOperator = "village_operator";
    public const string ExpertLecturer = "expert_lecturer";
    public const string Device = "device";

    /// <summary>Claim name of a user's role.</summary>
    public static string Of(UserRole role) => role switch
    {
        UserRole.CountyAdmin => CountyAdmin,
        UserRole.TownAdmin => TownAdmin,
        UserRole.VillageOperator => VillageOperator,
        _ => ExpertLecturer,
    };
}

/// <summary>Claim types issued by the ControlPlane.</summary>
public static class ClaimNames
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    /// <summary>Home site id of the user or device.</summary>
    public const string Site = "site";
    /// <summary>Materialised path of the home site: everything under it is in scope.</summary>
    public const string ScopePath = "scope";
    /// <summary>Device id, for device principals.</summary>
    public const string Device = "device";
}

/// <summary>Named authorization policies.</summary>
public static class Policies
{
    /// <summary>County administrators only.</summary>
    public const string CountyAdmin = "CountyAdmin";
    /// <summary>County or town administrators (review, rankings, compliance, exports).</summary>
    public const string Admin = "Admin";
    /// <summary>County, town admins and village operators: the site-bound staff.</summary>
    public const string Staff = "Staff";
    /// <summary>Any logged-in user, lecturers included.</summary>
    public const string User = "User";
    /// <summary>Expert lecturers (授课专家) only.</summary>
    public const string Lecturer = "Lecturer";
    /// <summary>Attendance machines authenticated by device key.</summary>
    public const string Device = "Device";
}

/// <summary>Helpers over the caller's claims.</summary>
public static class PrincipalExtensions
{
    /// <summary>The user id (sub), or null for devices.</summary>
    public static int? UserId(this ClaimsPrincipal p) =>
        p.IsInRole(Roles.Device) ? null : int.TryParse(p.FindFirstValue(ClaimNames.Subject), out var id) ? id : null;

    /// <summary>The home site id.</summary>
    public static int? SiteId(this ClaimsPrincipal p) =>
        int.TryParse(p.FindFirstValue(ClaimNames.Site), out var id) ? id : null;

    /// <summary>The role claim.</summary>
    public static string Role(this ClaimsPrincipal p) => p.FindFirstValue(ClaimNames.Role) ?? "";
}
