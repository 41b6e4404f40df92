using MediaCore.ControlPlane.Auth;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MediaCore.ControlPlane.Common;

/// <summary>Declares the two credentials in the OpenAPI document: a session JWT and an attendance-machine key.</summary>
internal sealed class SecuritySchemes : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
            Description = "Session token from POST /api/auth/login.",
        };
        document.Components.SecuritySchemes["deviceKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = DeviceKeyAuthentication.Header,
            Description = "Attendance-machine key (check-in uploads only).",
        };
        return Task.CompletedTask;
    }
}
