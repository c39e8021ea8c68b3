package dev.batchqa.bulk;
