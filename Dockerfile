# Inference function image (AWS Lambda, java21, x86_64). Built by `sam build` (template.yaml
# InferenceFunction Metadata: DockerContext ., Dockerfile Dockerfile).
#
# Needs the model directory exported beforehand (python model/export_hf_qa.py), default
# model/build/mobilebert-squad2: model.pt + tokenizer.json + config.json.

# ---------------------------------------------------------------- build stage
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src

# The reactor needs every module's pom; only shared + inference-function are compiled.
COPY pom.xml ./
COPY shared/pom.xml shared/
COPY ingest-function/pom.xml ingest-function/
COPY inference-function/pom.xml inference-function/
COPY local-runner/pom.xml local-runner/
COPY benchmarks/pom.xml benchmarks/
COPY infra-tests/pom.xml infra-tests/
COPY shared/src shared/src
COPY inference-function/src inference-function/src

# '!npm-install': the Node dev tools (lint, dynalite) are not needed for the image.
RUN mvn -B -q -P '!npm-install' -pl inference-function -am -DskipTests package

# libtorch out of the pytorch-native-cpu jar, unpacked once at build time instead of into /tmp
# at every cold start (~450 MB). The jar is then dropped from the classpath: with
# PYTORCH_LIBRARY_PATH set, DJL loads libtorch from there and only extracts its small JNI
# library (libdjl_torch.so, from pytorch-jni) into DJL_CACHE_DIR.
WORKDIR /src/inference-function/target
RUN set -eux; \
    native_jar="$(ls lib/pytorch-native-cpu-*-linux-x86_64.jar)"; \
    mkdir -p /opt/libtorch-unpacked /opt/libtorch; \
    cd /opt/libtorch-unpacked; \
    jar xf "/src/inference-function/target/${native_jar}"; \
    cat native/lib/pytorch.properties; \
    grep -q '^version=2.7.1' native/lib/pytorch.properties; \
    mv pytorch/cpu/linux-x86_64/* /opt/libtorch/; \
    test -f /opt/libtorch/libtorch.so; \
    cd /src/inference-function/target; \
    rm -rf /opt/libtorch-unpacked "${native_jar}"; \
    mkdir -p /opt/task/lib; \
    cp lib/*.jar /opt/task/lib/; \
    find . -maxdepth 1 -name 'inference-function-*.jar' ! -name '*-tests.jar' ! -name '*-sources.jar' \
        -exec cp {} /opt/task/lib/ \;; \
    ls /opt/task/lib

# ---------------------------------------------------------------- runtime image
FROM public.ecr.aws/lambda/java:21

ARG MODEL_DIR=model/build/mobilebert-squad2

# libtorch (cpu, cxx11 ABI) from the build stage; DJL reads these three variables
# (ai.djl.pytorch.jni.LibUtils): the flavor/version select the matching JNI library.
COPY --from=build /opt/libtorch /opt/libtorch
ENV PYTORCH_LIBRARY_PATH=/opt/libtorch \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cpu \
    DJL_OFFLINE=true \
    DJL_CACHE_DIR=/tmp/djl \
    QA_MODEL_DIR=/opt/model

# Application: thin jar + runtime dependencies (the Lambda Java runtime puts
# ${LAMBDA_TASK_ROOT}/lib/*.jar on the classpath).
COPY --from=build /opt/task/lib/ ${LAMBDA_TASK_ROOT}/lib/

# The exported TorchScript QA model, baked in (no download at run time).
COPY ${MODEL_DIR}/ /opt/model/

# Engine threads: not set here, so the handler uses Runtime.availableProcessors(), which the
# Lambda sandbox reports as the vCPUs of the configured memory (3008 MB -> 2). Set
# QA_ENGINE_THREADS in the function environment only to override that.

CMD ["dev.batchqa.inference.InferenceHandler::handleRequest"]
