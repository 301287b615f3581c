using System.CommandLine;
using Herd.Node.Experts;

namespace Herd.Node.Cli;

/// <summary><c>centroids</c>: computes each expert's centroid from its samples and stores it in the experts file.</summary>
internal static class CentroidsCommand
{
    public static Command Create()
    {
        var experts = new Option<string>("--experts") { Description = "the experts file (YAML) to complete; it is rewritten with the centroids", Required = true };
        var embedding = new Option<string>("--embedding") { Description = "tokens or hidden: how the node embeds prompts for routing (Herd:Node:Experts:Embedding)", DefaultValueFactory = _ => RoutingEmbedding.Tokens };
        embedding.AcceptOnlyFromAmong(RoutingEmbedding.Tokens, RoutingEmbedding.Hidden);
        var model = new ModelArguments(defaultMaxSequences: 1);
        var command = new Command("centroids", "Compute each expert's centroid (the mean embedding of its samples) and store it in the experts file.") { experts, embedding };
        model.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var path = parsed.GetRequiredValue(experts);
            var way = parsed.GetRequiredValue(embedding);
            var definitions = ExpertFile.Read(path);
            using var loggers = CliLogging.Create();
            await using var served = model.Load(parsed, loggers, experts: new ExpertOptions { Embedding = way });
            var completed = new List<ExpertDefinition>();
            foreach (var definition in definitions)
            {
                if (definition.Samples.Count == 0)
                {
                    await Console.Error.WriteLineAsync($"{definition.Name}: no samples; its centroid is kept as it is.");
                    completed.Add(definition);
                    continue;
                }

                var vectors = await served.EmbedForRoutingAsync(definition.Samples, cancellationToken);
                completed.Add(definition with { Centroid = [.. ExpertRegistry.Mean(vectors)], CentroidEmbedding = way });
                await Console.Error.WriteLineAsync($"{definition.Name}: centroid of {definition.Samples.Count} samples ({way} embeddings)");
            }

            ExpertFile.Write(path, completed);
            await Console.Out.WriteLineAsync($"Wrote {completed.Count} experts with centroids to {path}");
            return 0;
        });
        return command;
    }
}
