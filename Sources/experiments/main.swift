import Experiments

ExperimentsCommand.main()
