// Public surface of src/experiment (the owner of this folder adds its exports here).
export {};
