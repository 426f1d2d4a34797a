#!/usr/bin/env node
console.log('llm-sim: under construction');
