using System.Runtime.ExceptionServices;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.AppHost.Publishing;

/// <summary>
/// The environment variables and arguments the app model gives a resource's container once
/// published, gathered as Aspire's manifest gathers them (the resource's environment and argument
/// callbacks, run in publish mode) and written in Kubernetes' terms.
/// </summary>
/// <param name="Environment">The variables: a secret read from its Secret, any other value as text.</param>
/// <param name="Arguments">The arguments, or null for none.</param>
internal sealed record KubernetesContainerSettings(IReadOnlyList<V1EnvVar> Environment, IReadOnlyList<string>? Arguments)
{
    /// <summary>A variable's value as written (not read from a Secret), or null.</summary>
    public string? Variable(string name) => Environment.FirstOrDefault(variable => variable.Name == name)?.Value;

    /// <summary>
    /// A variable whose value is a secret reads it from the secret's Secret. A value that embeds a
    /// secret (a connection string with a password) expands the variable that holds it,
    /// <c>$(Parameters__postgres-password)</c>, which Kubernetes resolves when it starts the
    /// container: Secrets hold parameters only, never a copy of them inside a connection string.
    /// </summary>
    public static async Task<KubernetesContainerSettings> GatherAsync(
        IResource resource, DistributedApplicationExecutionContext execution, KubernetesValues values, KubernetesSecrets secrets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(secrets);
        var gathered = await ExecutionConfigurationBuilder.Create(resource)
            .WithEnvironmentVariablesConfig()
            .WithArgumentsConfig()
            .BuildAsync(execution, NullLogger.Instance, cancellationToken);
        if (gathered.Exception is not null)
        {
            ExceptionDispatchInfo.Throw(gathered.Exception);
        }

        var environment = new List<(string Name, KubernetesValue Value)>();
        foreach (var (name, (unprocessed, _)) in gathered.EnvironmentVariablesWithUnprocessed)
        {
            environment.Add((name, await values.ConvertAsync(unprocessed, resource, cancellationToken)));
        }

        var arguments = new List<KubernetesValue>();
        foreach (var (unprocessed, _, _) in gathered.ArgumentsWithUnprocessed)
        {
            arguments.Add(await values.ConvertAsync(unprocessed, resource, cancellationToken));
        }

        return Write(environment, arguments, secrets);
    }

    private static KubernetesContainerSettings Write(List<(string Name, KubernetesValue Value)> environment, List<KubernetesValue> arguments, KubernetesSecrets secrets)
    {
        // Kubernetes expands $(NAME) only of variables listed before, so the secrets come first.
        var variables = new List<V1EnvVar>();
        var holders = new Dictionary<ParameterResource, string>();
        foreach (var (name, value) in environment.Where(variable => variable.Value.WholeSecret is not null))
        {
            variables.Add(secrets.Reference(name, value.WholeSecret!));
            holders.TryAdd(value.WholeSecret!, name);
        }

        var embedded = environment.Where(variable => variable.Value.WholeSecret is null).SelectMany(variable => variable.Value.Secrets)
            .Concat(arguments.SelectMany(argument => argument.Secrets));
        foreach (var secret in embedded.Where(secret => !holders.ContainsKey(secret)).Distinct().ToList())
        {
            holders[secret] = $"Parameters__{secret.Name}";
            variables.Add(secrets.Reference(holders[secret], secret));
        }

        variables.AddRange(environment
            .Where(variable => variable.Value.WholeSecret is null)
            .Select(variable => new V1EnvVar { Name = variable.Name, Value = variable.Value.Expand(secret => holders[secret]) }));
        return new KubernetesContainerSettings(
            variables,
            arguments.Count > 0 ? [.. arguments.Select(argument => argument.Expand(secret => holders[secret]))] : null);
    }
}
