// `npx cem analyze` (run in packages/widget) writes custom-elements.json from the JSDoc tags of the
// components; `npm run docs -w packages/widget` then writes docs/theming.md from it.
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/locales/**'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      // Lit's internal reactive state (`_draft`, declared with `state: true`) and #private fields are not
      // part of the element's API.
      name: 'baton-drop-internal',
      packageLinkPhase({ customElementsManifest }) {
        const isPublic = (item) => !/^[_#]/.test(item.name) && item.privacy !== 'private';
        for (const mod of customElementsManifest.modules) {
          for (const declaration of mod.declarations ?? []) {
            if (declaration.attributes) declaration.attributes = declaration.attributes.filter(isPublic);
            if (declaration.members) declaration.members = declaration.members.filter(isPublic);
          }
        }
      },
    },
  ],
};
