using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.People;

/// <summary>A person as the API shows it.</summary>
public sealed record PersonDto(int Id, int SiteId, string SiteName, string Name, PersonRole Role, string? Phone, bool Active);

/// <summary>Creating or updating a person.</summary>
public sealed record PersonRequest(int? SiteId, string? Name, PersonRole? Role, string? Phone, bool? Active);

/// <summary>Village committee members, first secretaries and party members.</summary>
public static class PeopleEndpoints
{
    /// <summary>Maps /api/people.</summary>
    public static void MapPeople(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/people").WithTags("People").RequireAuthorization(Policies.Staff);
        g.MapGet("/", List).Produces<Page<PersonDto>>();
        g.MapGet("/{id:int}", Get);
        g.MapPost("/", Create);
        g.MapPut("/{id:int}", Update);
    }

    private static async Task<IResult> List(ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db,
        int? siteId, string? role, string? q, string? format, int? page, int? pageSize, CancellationToken ct)
    {
        if (!EnumQuery.TryParse<PersonRole>(role, out var r)) return Problems.Invalid("role", EnumQuery.Names<PersonRole>());
        if (siteId is { } s && await scope.GuardAsync(user, s, ct) is { } problem) return problem;
        var prefix = SiteScope.PrefixOf(user);
        var people = db.People.Where(p => p.Site!.Path.StartsWith(prefix));
        if (siteId is not null) people = people.Where(p => p.SiteId == siteId);
        if (r is not null) people = people.Where(p => p.Role == r);
        if (!string.IsNullOrWhiteSpace(q)) people = people.Where(p => p.Name.Contains(q));
        var ordered = Project(people.OrderBy(p => p.SiteId).ThenBy(p => p.Id));
        if (format is not null)
        {
            if (!TableExport.TryParseFormat(format, out var fmt)) return Problems.Invalid("format", "xlsx or csv.");
            var rows = await ordered.Take(TableExport.MaxRows).ToListAsync(ct);
            return new TableExport("人员名册", ["编号", "姓名", "职务", "村(社区)", "电话", "在职"],
                rows.Select(p => new object?[] { p.Id, p.Name, Labels.Role(p.Role), p.SiteName, p.Phone, p.Active ? "是" : "否" })).ToResult(fmt, "人员名册");
        }
        return TypedResults.Ok(await PageRequest.From(page, pageSize).ApplyAsync(ordered, ct));
    }

    private static async Task<Results<Ok<PersonDto>, ProblemHttpResult>> Get(int id, ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct)
    {
        var prefix = SiteScope.PrefixOf(user);
        var person = await Project(db.People.Where(p => p.Id == id && p.Site!.Path.StartsWith(prefix))).FirstOrDefaultAsync(ct);
        return person is null ? Problems.NotFound("Person") : TypedResults.Ok(person);
    }

    private static async Task<Results<Created<PersonDto>, ValidationProblem, ProblemHttpResult>> Create(PersonRequest req,
        ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, CancellationToken ct)
    {
        if (Validate(req, creating: true) is { } invalid) return invalid;
        if (await scope.GuardAsync(user, req.SiteId!.Value, ct) is { } problem) return problem;
        var person = new Person { SiteId = req.SiteId!.Value, Name = req.Name!.Trim(), Role = req.Role!.Value, Phone = req.Phone, Active = req.Active ?? true };
        db.People.Add(person);
        await db.SaveChangesAsync(ct);
        var dto = await Project(db.People.Where(p => p.Id == person.Id)).FirstAsync(ct);
        return TypedResults.Created($"/api/people/{person.Id}", dto);
    }

    private static async Task<Results<Ok<PersonDto>, ValidationProblem, ProblemHttpResult>> Update(int id, PersonRequest req,
        ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, CancellationToken ct)
    {
        if (Validate(req, creating: false) is { } invalid) return invalid;
        var prefix = SiteScope.PrefixOf(user);
        var person = await db.People.FirstOrDefaultAsync(p => p.Id == id && p.Site!.Path.StartsWith(prefix), ct);
        if (person is null) return Problems.NotFound("Person");
        if (req.SiteId is { } site && site != person.SiteId)
        {
            if (await scope.GuardAsync(user, site, ct) is { } problem) return problem;
            person.SiteId = site;
        }
        if (req.Name is not null) person.Name = req.Name.Trim();
        if (req.Role is not null) person.Role = req.Role.Value;
        if (req.Phone is not null) person.Phone = req.Phone;
        if (req.Active is not null) person.Active = req.Active.Value;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await Project(db.People.Where(p => p.Id == id)).FirstAsync(ct));
    }

    private static ValidationProblem? Validate(PersonRequest req, bool creating)
    {
        var errors = new Dictionary<string, string[]>();
        if (creating && req.SiteId is null) errors["siteId"] = ["Required."];
        if ((creating || req.Name is not null) && (string.IsNullOrWhiteSpace(req.Name) || req.Name.Length > 50)) errors["name"] = ["1-50 characters required."];
        if (creating && req.Role is null) errors["role"] = ["Required: secretary, director, committeeMember, firstSecretary or partyMember."];
        if (req.Phone is { Length: > 20 }) errors["phone"] = ["At most 20 characters."];
        return errors.Count > 0 ? Problems.Invalid(errors) : null;
    }

    private static IQueryable<PersonDto> Project(IQueryable<Person> q) =>
        q.Select(p => new PersonDto(p.Id, p.SiteId, p.Site!.Name, p.Name, p.Role, p.Phone, p.Active));
}
