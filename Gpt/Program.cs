using Scratch.Gpt.Cli;

return ScratchCli.Run(args);
