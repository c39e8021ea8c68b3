# Inference function image (AWS Lambda, java21, x86_64). Built by `sam build` (template.yaml
# InferenceFunction Metadata: DockerContext ., Dockerfile Dockerfile).
#
# Needs the model directory exported beforehand, default model/build/qa-variants: model/export_hf_qa.py, then
# model/export_quantized.py --model DIR --out model/build/qa-variants --data SQUAD_DEV, which writes every variant
# (fp32.pt, bf16.pt, the int8 file) beside model.pt, tokenizer.json and a config.json naming the variants that passed
# its F1 check; the engine picks one at init by what the host's CPU runs natively (model/README.md).

# ---------------------------------------------------------------- build stage
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src

# The whole build context: .dockerignore lets in every module's pom.xml (the reactor needs them
# all, and a module added later comes in without a line here or there), the sources of the
# modules the image compiles, docker/ and the exported model (used by the runtime stage).
COPY . ./

# '!npm-install': the Node dev tools (lint, dynalite) are not needed for the image.
RUN mvn -B -q -P '!npm-install' -pl inference-function -am -DskipTests package

# /opt/libtorch (unpacked from the pytorch-native-cpu jar) and /opt/task/lib (the inference jar +
# runtime dependencies without that jar); the script says why. DockerBuildRehearsalTest runs the
# same script (and the Maven command above) without a Docker engine.
RUN sh docker/assemble-runtime.sh inference-function/target /

# ---------------------------------------------------------------- runtime image
FROM public.ecr.aws/lambda/java:21

ARG MODEL_DIR=model/build/qa-variants

# libtorch (cpu, cxx11 ABI) from the build stage; DJL reads these three variables
# (ai.djl.pytorch.jni.LibUtils): the flavor/version select the matching JNI library.
COPY --from=build /opt/libtorch /opt/libtorch
ENV PYTORCH_LIBRARY_PATH=/opt/libtorch \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cpu \
    DJL_OFFLINE=true \
    DJL_CACHE_DIR=/tmp/djl \
    QA_MODEL_DIR=/opt/model \
    MALLOC_MMAP_THRESHOLD_=1000000000 \
    MALLOC_TRIM_THRESHOLD_=1000000000 \
    OMP_WAIT_POLICY=PASSIVE

# OpenMP (libtorch's bundled libgomp): a thread that reaches the end of a parallel region sleeps instead of spinning
# for the others. libtorch opens one such region per operator (hundreds per pass); when the other vCPU is busy
# elsewhere (a noisy host, the SDK's threads during init), spinning burned that core's time while the thread it waited
# for could not run: under load a batch of 10 SQuAD questions took 2.3-3.0 s and 1.5 s CPU spinning, 0.6-1.0 s and
# 0.55 s CPU passive (docs/cold-start.md).

# glibc malloc: keep freed blocks in the heap instead of returning them to the kernel. By default every block above
# the mmap threshold (which glibc raises dynamically only up to 32 MiB) is mmap'ed on malloc and munmap'ed on free,
# and the attention tensors of a big forward pass are larger than that (MiniLM [8, 384]: 56 MiB each), so every pass
# page-faulted them in again: 1.8 M minor faults and 1.5x the CPU per token of a [1, 384] pass, which vanish with
# these two settings (PassProbe in tools; docs/evaluation.md). Cost: the process keeps its peak native heap.

# Application: thin jar + runtime dependencies (the Lambda Java runtime puts
# ${LAMBDA_TASK_ROOT}/lib/*.jar on the classpath).
COPY --from=build /opt/task/lib/ ${LAMBDA_TASK_ROOT}/lib/

# The exported TorchScript QA model with all its variants, baked in (no download at run time): the whole directory,
# so that the engine can choose among them on whatever CPU the function lands.
COPY ${MODEL_DIR}/ /opt/model/

# Engine threads: not set here, so the handler uses Runtime.availableProcessors(), which the
# Lambda sandbox reports as the vCPUs of the configured memory (3008 MB -> 2).

CMD ["dev.batchqa.inference.InferenceHandler::handleRequest"]
