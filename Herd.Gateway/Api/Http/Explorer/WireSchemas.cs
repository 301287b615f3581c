using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.OpenApi;

namespace Herd.Gateway.Api.Http.Explorer;

/// <summary>
/// Makes a schema of one of the HTTP door's types say what <see cref="HttpJson"/> really reads
/// and writes. The generator builds every schema from the application's default JSON options,
/// whose camelCase names the dashboard's JSON relies on and must keep; so rather than change
/// those, each property is renamed to what the door's own contract calls the same member
/// (snake_case, as OpenAI's API has it), and numbers lose the quoted form that the default options
/// would accept and the door refuses (a quoted number is a 400); a property the door leaves out
/// when null is not required.
/// </summary>
/// <param name="defaults">The options the generator built the schemas from.</param>
public sealed class WireSchemas(JsonSerializerOptions defaults)
{
    /// <summary>
    /// Fixes <paramref name="candidate"/>, the schema of <paramref name="type"/>, and the schemas it
    /// holds inline; a reference is left alone, its component being fixed on its own.
    /// </summary>
    public void Apply(IOpenApiSchema? candidate, Type type)
    {
        if (candidate is not OpenApiSchema schema)
        {
            return;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        StrictNumber(schema);
        foreach (var option in schema.OneOf ?? [])
        {
            Apply(option, type);
        }

        if (HttpJson.Default.GetTypeInfo(type) is not { } wire)
        {
            return;
        }

        switch (wire.Kind)
        {
            case JsonTypeInfoKind.Object:
                Rename(schema, defaults.GetTypeInfo(type), wire);
                foreach (var property in wire.Properties)
                {
                    if (MayBeLeftOut(property))
                    {
                        schema.Required?.Remove(property.Name);
                    }

                    if (schema.Properties?.TryGetValue(property.Name, out var propertySchema) == true)
                    {
                        Apply(propertySchema, property.PropertyType);
                    }
                }

                break;
            case JsonTypeInfoKind.Enumerable when wire.ElementType is { } item:
                Apply(schema.Items, item);
                break;
            case JsonTypeInfoKind.Dictionary when wire.ElementType is { } value:
                Apply(schema.AdditionalProperties, value);
                break;
        }
    }

    private static void Rename(OpenApiSchema schema, JsonTypeInfo generated, JsonTypeInfo wire)
    {
        if (schema.Properties is not { } properties)
        {
            return;
        }

        var wireNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in wire.Properties)
        {
            if (MemberName(property) is { } member)
            {
                wireNames[member] = property.Name;
            }
        }

        foreach (var property in generated.Properties)
        {
            if (MemberName(property) is not { } member
                || !wireNames.TryGetValue(member, out var wireName)
                || wireName == property.Name
                || !properties.Remove(property.Name, out var propertySchema))
            {
                continue;
            }

            properties[wireName] = propertySchema;
            if (schema.Required?.Remove(property.Name) == true)
            {
                schema.Required.Add(wireName);
            }
        }
    }

    private static void StrictNumber(OpenApiSchema schema)
    {
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
    }

    /// <summary>A null the door leaves out of what it writes, unless the property says to write it.</summary>
    private static bool MayBeLeftOut(JsonPropertyInfo property) =>
        property.Options.DefaultIgnoreCondition == JsonIgnoreCondition.WhenWritingNull
        && property.IsGetNullable
        && property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true).Length is null or 0;

    /// <summary>The C# member behind a JSON property: what the two contracts have in common.</summary>
    private static string? MemberName(JsonPropertyInfo property) => (property.AttributeProvider as MemberInfo)?.Name;
}
