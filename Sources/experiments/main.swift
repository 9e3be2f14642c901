import Experiments
import LinearAlgebra

BLASCore.reexecuteWithBetterKernelsIfNeeded()
ExperimentsCommand.main()
