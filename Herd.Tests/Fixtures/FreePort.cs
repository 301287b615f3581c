using Herd.AppHost.Hosting;

namespace Herd.Tests.Fixtures;

/// <summary>The tests take their ports the way the app host does (<see cref="FreePorts"/>).</summary>
internal static class FreePort
{
    public static int Next() => FreePorts.Next();
}
