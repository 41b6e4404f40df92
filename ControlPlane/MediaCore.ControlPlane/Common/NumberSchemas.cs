using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MediaCore.ControlPlane.Common;

/// <summary>
/// Describes numbers as the API writes them. The web JSON defaults also read numbers from strings, so the
/// generated schema says "integer or string with a digit pattern"; the service always writes plain numbers,
/// and clients (the Portal's generated types) should see exactly that.
/// </summary>
internal sealed class NumberSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (schema.Type is { } t && (t & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (t & JsonSchemaType.String) != 0)
        {
            schema.Type = t & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        return Task.CompletedTask;
    }
}
