// Public surface of src/gram (the owner of this folder adds its exports here).
export {};
