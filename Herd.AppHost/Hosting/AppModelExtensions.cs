using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Herd.AppHost.Hosting;

/// <summary>Declares the herd's resources on the host builder.</summary>
public static class AppModelExtensions
{
    /// <summary>Adds a project of this repository, named as in the app host's project references.</summary>
    public static ResourceBuilder AddProject(this IHostApplicationBuilder builder, string name, string projectName)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var model = builder.Services.FirstOrDefault(service => service.ServiceType == typeof(AppModel))?.ImplementationInstance as AppModel;
        if (model is null)
        {
            model = new AppModel();
            builder.Services.AddSingleton(model);
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AppModelRunner>());
        }

        var resource = new ProjectResource(name, RecordedProjectPath(projectName));
        model.Resources.Add(resource);
        return new ResourceBuilder(resource);
    }

    private static string RecordedProjectPath(string projectName) =>
        typeof(AppModelExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "HerdProject:" + projectName)?.Value
        ?? throw new ArgumentException($"{projectName} is not a project reference of Herd.AppHost.", nameof(projectName));
}
