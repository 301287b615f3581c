using System.Reflection;
using System.Text.Json.Serialization;

namespace Herd.Gateway.Api.Http.Explorer;

/// <summary>
/// Every type the HTTP door's JSON contract (<see cref="HttpJson"/>) reads or writes: those it is
/// declared for and, through their properties, items and values, every type they hold.
/// </summary>
public static class HttpJsonTypes
{
    private static readonly Lazy<IReadOnlyList<Type>> Known = new(Walk);

    /// <summary>Each type, objects and collections alike.</summary>
    public static IReadOnlyList<Type> All => Known.Value;

    private static List<Type> Walk()
    {
        var found = new HashSet<Type>();
        var pending = new Stack<Type>(typeof(HttpJson).GetCustomAttributesData()
            .Where(attribute => attribute.AttributeType == typeof(JsonSerializableAttribute))
            .Select(attribute => attribute.ConstructorArguments[0].Value)
            .OfType<Type>());
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (found.Contains(type) || HttpJson.Default.GetTypeInfo(type) is not { } info)
            {
                continue;
            }

            found.Add(type);
            foreach (var property in info.Properties)
            {
                pending.Push(property.PropertyType);
            }

            if (info.ElementType is { } element)
            {
                pending.Push(element);
            }
        }

        return [.. found];
    }
}
